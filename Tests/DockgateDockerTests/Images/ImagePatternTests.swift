import Testing
import DockgateDocker

/// THREATS.md §3 rules 3, 5 and 9: allowlist patterns over the normalized form.
@Suite struct ImagePatternTests {
    typealias F = ImageTestFixtures

    private func allows(_ pattern: String, _ reference: String) throws -> Bool {
        try F.pattern(pattern).matches(F.reference(reference))
    }

    /// "busybox*" is shorthand for docker.io/library/busybox* with any tag.
    @Test func shorthandExpands() throws {
        #expect(try F.pattern("busybox*").description == "docker.io/library/busybox*:*")
        #expect(try F.pattern("busybox:1.36").description == "docker.io/library/busybox:1.36")
        #expect(try F.pattern("ghcr.io/org/*").description == "ghcr.io/org/*:*")
        #expect(try F.pattern("index.docker.io/busybox").description == "docker.io/library/busybox:*")
        #expect(try F.pattern("busybox*").text == "busybox*")
    }

    /// "busybox*" admits busybox with any tag, in every spelling that normalizes to it.
    @Test(arguments: ["busybox", "busybox:1.36", "docker.io/library/busybox:latest", "index.docker.io/busybox:musl"])
    func prefixPatternMatchesBusybox(_ reference: String) throws {
        #expect(try allows("busybox*", reference))
    }

    /// "busybox*" is a prefix pattern: it also admits docker.io/library/busyboxevil (documented).
    @Test func prefixPatternAdmitsLongerNames() throws {
        #expect(try allows("busybox*", "busyboxevil"))
        #expect(try allows("busybox*", "library/busybox/nested"))
    }

    /// The exact-name pattern "busybox" admits any tag of busybox but not busyboxevil.
    @Test func exactNamePattern() throws {
        #expect(try allows("busybox", "busybox:1.36"))
        #expect(try allows("busybox", "busybox"))
        #expect(try !allows("busybox", "busyboxevil"))
        #expect(try !allows("busybox", "busybox/nested"))
    }

    /// Other repositories are not admitted.
    @Test(arguments: ["evil:latest", "evil/busybox", "ghcr.io/library/busybox", "localhost/busybox"])
    func otherRepositoriesRefused(_ reference: String) throws {
        #expect(try !allows("busybox*", reference))
    }

    /// Other spellings of Docker Hub's registry are different domains and not admitted (§3 rule 3).
    @Test(arguments: ["registry-1.docker.io/library/busybox", "docker.io:443/library/busybox",
                      "Docker.IO/library/busybox"])
    func otherRegistrySpellingsRefused(_ reference: String) throws {
        #expect(try !allows("busybox*", reference))
        #expect(try allows(reference, reference))
    }

    /// A tag pattern admits only matching tags.
    @Test func tagPatterns() throws {
        #expect(try allows("busybox:1.36", "busybox:1.36"))
        #expect(try !allows("busybox:1.36", "busybox:1.37"))
        #expect(try !allows("busybox:1.36", "busybox"))
        #expect(try allows("busybox:1.*", "busybox:1.37"))
        #expect(try !allows("busybox:1.*", "busybox:2.0"))
        #expect(try allows("busybox:*", "busybox:anything"))
    }

    /// A digest reference is not admitted by a name or tag pattern (§3 rule 5).
    @Test func digestReferenceNeedsDigestPattern() throws {
        #expect(try !allows("busybox*", "busybox@" + F.digest))
        #expect(try !allows("busybox", "busybox:1.36@" + F.digest))
        #expect(try !allows("busybox:1.36", "busybox:1.36@" + F.digest))
    }

    /// A digest reference is admitted by "@*" or by the same pinned digest, not by another digest.
    @Test func digestPatterns() throws {
        #expect(try allows("busybox*@*", "busybox@" + F.digest))
        #expect(try allows("busybox@" + F.digest, "busybox@" + F.digest))
        #expect(try allows("docker.io/library/busybox@" + F.digest, "busybox:1@" + F.digest))
        #expect(try !allows("busybox@" + F.otherDigest, "busybox@" + F.digest))
        #expect(try !allows("busybox@" + F.digest, "busybox:latest"))
        #expect(try allows("busybox@*", "busybox:latest"))
    }

    /// A tag part next to a digest part must match too; a tagless digest reference has the empty tag.
    @Test func tagAndDigestPattern() throws {
        #expect(try allows("alpine:3.19@" + F.digest, "alpine:3.19@" + F.digest))
        #expect(try !allows("alpine:3.19@" + F.digest, "alpine@" + F.digest))
        #expect(try allows("alpine:*@*", "alpine@" + F.digest))
    }

    /// "ghcr.io/org/*" admits any repository under ghcr.io/org, and nothing under another org.
    @Test func registryNamespacePattern() throws {
        #expect(try allows("ghcr.io/org/*", "ghcr.io/org/app:1"))
        #expect(try allows("ghcr.io/org/*", "ghcr.io/org/team/app"))
        #expect(try !allows("ghcr.io/org/*", "ghcr.io/other/app"))
        #expect(try !allows("ghcr.io/org/*", "ghcr.io/organisation/app"))
        #expect(try !allows("ghcr.io/org/*", "docker.io/org/app"))
    }

    /// A wildcard in the domain stays inside the domain: it cannot swallow a path (parts match separately).
    @Test func domainWildcardStaysInDomain() throws {
        #expect(try allows("*.example.com/app", "registry.example.com/app"))
        #expect(try !allows("*.example.com/app", "evil.com/x.example.com/app"))
        #expect(try !allows("*.example.com/app", "example.com/app"))
    }

    /// "docker.io/*" expands like a reference to docker.io/library/*; "docker.io/*/*" covers Hub namespaces.
    @Test func hubWildcards() throws {
        #expect(try F.pattern("docker.io/*").description == "docker.io/library/*:*")
        #expect(try !allows("docker.io/*", "someone/app"))
        #expect(try allows("docker.io/*/*", "someone/app"))
        #expect(try allows("*", "alpine"))
        #expect(try !allows("*", "ghcr.io/org/app"))
    }

    /// An all-tags pull is admitted only by a pattern without a tag restriction and without a digest part.
    @Test func allTagsPulls() throws {
        let target = try ImageReference.pullTarget(fromImage: "busybox", tag: "")
        #expect(try F.pattern("busybox*").matches(target))
        #expect(try F.pattern("busybox").matchesAllTags(ofRepository: "docker.io/library/busybox"))
        #expect(try F.pattern("busybox:*").matchesAllTags(ofRepository: "docker.io/library/busybox"))
        #expect(try !F.pattern("busybox:1.36").matches(target))
        #expect(try !F.pattern("busybox@*").matches(target))
        #expect(try !F.pattern("busybox@" + F.digest).matches(target))
        #expect(try !F.pattern("alpine*").matches(target))
        #expect(try !F.pattern("busybox").matchesAllTags(ofRepository: "busybox"))
    }

    /// A single-image pull target is judged like a reference.
    @Test func singlePullTarget() throws {
        #expect(try F.pattern("busybox:1.36").matches(ImageReference.pullTarget(fromImage: "busybox", tag: "1.36")))
        #expect(try !F.pattern("busybox:1.36").matches(ImageReference.pullTarget(fromImage: "busybox", tag: F.digest)))
    }

    /// Invalid patterns are refused: empty, upper-case path, several "@", partial digest wildcards, bad grammar.
    @Test(arguments: ["", "BusyBox", "a@@b", "a@b@c", "busybox@sha256:*", "busybox@sha256:abc", "busybox:",
                      "busybox:-*", "bad host/x", "ghcr.io//x", "busybox*@", "*@md5:" + String(repeating: "a", count: 32),
                      "ghcr.io/Org/*", "büsybox", "busybox:a/b"])
    func invalidPatternsRejected(_ text: String) {
        #expect(throws: ImageReferenceError.self) { try ImagePattern(text) }
    }

    /// Specific refusals carry the expected error.
    @Test func specificPatternErrors() {
        #expect(throws: ImageReferenceError.empty) { try ImagePattern("") }
        #expect(throws: ImageReferenceError.upperCaseRepository("library/BusyBox")) { try ImagePattern("BusyBox") }
        #expect(throws: ImageReferenceError.invalidFormat("more than one \"@\"")) { try ImagePattern("a@@b") }
    }

    /// Wildcards are accepted wherever the grammar allows a character of the name or tag.
    @Test(arguments: ["*", "*/*", "busybox*", "*box", "bus*box", "ghcr.io/*", "*.example.com/*", "localhost:*/x",
                      "[::1]:*/x", "busybox:*", "busybox:1.*", "busybox@*", "a-*-b", "org/**"])
    func validPatternsAccepted(_ text: String) throws {
        #expect(try F.pattern(text).text == text)
    }
}
