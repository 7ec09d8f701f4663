import Testing
import DockgateDocker

/// THREATS.md §3 rule 6 and row I-01: the reference `POST /images/create?fromImage=&tag=` pulls.
@Suite struct PullTargetTests {
    typealias F = ImageTestFixtures

    private func pull(_ fromImage: String, _ tag: String?) throws -> PullTarget {
        try ImageReference.pullTarget(fromImage: fromImage, tag: tag)
    }

    /// A bare name with an empty tag pulls every tag of the repository.
    @Test func emptyTagOnBareNamePullsAllTags() throws {
        #expect(try pull("busybox", "") == .allTags(repository: "docker.io/library/busybox"))
        #expect(try pull("busybox", nil) == .allTags(repository: "docker.io/library/busybox"))
        #expect(try pull("ghcr.io/org/app", "") == .allTags(repository: "ghcr.io/org/app"))
    }

    /// A tag inside fromImage is kept when the tag parameter is empty.
    @Test func tagInFromImageKept() throws {
        #expect(try pull("busybox:1", "") == .reference(F.reference("busybox:1")))
        #expect(try pull("busybox:1", "").repository == "docker.io/library/busybox")
    }

    /// One trailing ":" is dropped ("pull -a" compatibility), leaving a bare name: all tags.
    @Test func trailingColonStripped() throws {
        #expect(try pull("busybox:", "") == .allTags(repository: "docker.io/library/busybox"))
        #expect(try pull("busybox:", "1.36") == .reference(F.reference("busybox:1.36")))
    }

    /// Only one trailing ":" is dropped; a second one leaves an empty tag, which is invalid.
    @Test func onlyOneTrailingColonStripped() {
        #expect(throws: ImageReferenceError.self) { try ImageReference.pullTarget(fromImage: "busybox::", tag: "") }
    }

    /// A non-empty tag replaces the tag written in fromImage (`WithTag`).
    @Test func tagParameterReplacesTag() throws {
        #expect(try pull("busybox:1", "2") == .reference(F.reference("busybox:2")))
        #expect(try pull("busybox", "1.36") == .reference(F.reference("busybox:1.36")))
    }

    /// A tag parameter that is a digest becomes the digest and removes any tag (`WithDigest(TrimNamed)`).
    @Test func digestInTagParameter() throws {
        let target = try pull("busybox:1", F.digest)
        guard case .reference(let reference) = target else {
            Issue.record("expected a single reference, got \(target)")
            return
        }
        #expect(reference.tag == nil)
        #expect(reference.digest == F.digest)
        #expect(reference.description == "docker.io/library/busybox@" + F.digest)
    }

    /// A digest tag parameter replaces a digest fromImage already had.
    @Test func digestInTagParameterReplacesDigest() throws {
        let target = try pull("busybox@" + F.otherDigest, F.digest)
        #expect(target == .reference(try F.reference("busybox@" + F.digest)))
    }

    /// `WithTag` on a digest reference keeps the digest and adds the tag: the digest still decides.
    @Test func tagParameterKeepsDigest() throws {
        let target = try pull("busybox@" + F.digest, "2")
        #expect(target == .reference(try F.reference("busybox:2@" + F.digest)))
    }

    /// A digest in fromImage with no tag parameter is pulled as that digest, not as all tags.
    @Test func digestFromImageWithoutTag() throws {
        #expect(try pull("busybox@" + F.digest, "") == .reference(F.reference("busybox@" + F.digest)))
    }

    /// "sha256:<64hex>" as fromImage is the name docker.io/library/sha256 with that tag (§3 rule 8).
    @Test func sha256FromImageIsAName() throws {
        let target = try pull(F.digest, "")
        #expect(target.repository == "docker.io/library/sha256")
    }

    /// A short or malformed "digest" in the tag parameter is read as a tag, and ":" makes it invalid.
    @Test func malformedDigestTagRejected() {
        #expect(throws: ImageReferenceError.invalidTag("sha256:abc")) {
            try ImageReference.pullTarget(fromImage: "busybox", tag: "sha256:abc")
        }
    }

    /// Invalid tags, invalid names, an empty fromImage and a bare 64-hex fromImage are refused.
    @Test(arguments: [
        ("busybox", "-bad"), ("busybox", "a/b"), ("BusyBox", ""), ("", ""), (":", ""),
        (ImageTestFixtures.hexID, ""), ("busybox", "t\u{0}"),
    ])
    func invalidPullsRejected(_ fromImage: String, _ tag: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference.pullTarget(fromImage: fromImage, tag: tag) }
    }
}
