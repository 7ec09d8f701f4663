import Testing
import DockgateDocker

/// THREATS.md §3 rule 7: `RepoTagReference(repo, tag)` for tag, commit, import and `build -t`.
@Suite struct RepoTagTests {
    typealias F = ImageTestFixtures

    /// Without a tag the default "latest" is used.
    @Test func defaultTag() throws {
        #expect(try ImageReference.repoTag(repo: "busybox", tag: nil).description == "docker.io/library/busybox:latest")
        #expect(try ImageReference.repoTag(repo: "busybox", tag: "").description == "docker.io/library/busybox:latest")
    }

    /// A tag written in repo is kept when the tag parameter is empty, and replaced when it is not.
    @Test func tagReplaces() throws {
        #expect(try ImageReference.repoTag(repo: "busybox:1", tag: nil).tag == "1")
        #expect(try ImageReference.repoTag(repo: "busybox:1", tag: "2").tag == "2")
        #expect(try ImageReference.repoTag(repo: "ghcr.io/org/app", tag: "v3").description == "ghcr.io/org/app:v3")
    }

    /// A digest in repo is refused, with or without a tag parameter.
    @Test func digestRefused() {
        #expect(throws: ImageReferenceError.digestWithTagNotAllowed) {
            try ImageReference.repoTag(repo: "busybox@" + F.digest, tag: nil)
        }
        #expect(throws: ImageReferenceError.digestWithTagNotAllowed) {
            try ImageReference.repoTag(repo: "busybox:1@" + F.digest, tag: "2")
        }
    }

    /// A digest passed as the tag parameter is not a tag and is refused.
    @Test func digestAsTagRefused() {
        #expect(throws: ImageReferenceError.invalidTag(F.digest)) {
            try ImageReference.repoTag(repo: "busybox", tag: F.digest)
        }
    }

    /// An empty repo is refused so the caller must decide what an unnamed commit/import means.
    @Test func emptyRepoRefused() {
        #expect(throws: ImageReferenceError.empty) { try ImageReference.repoTag(repo: "", tag: "1") }
    }
}
