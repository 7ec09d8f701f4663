import Testing
import DockgateDocker

/// THREATS.md §3 rules 1–5: `ParseNormalizedNamed` + `TagNameOnly`.
@Suite struct ImageReferenceNormalizationTests {
    typealias F = ImageTestFixtures

    /// The five spellings THREATS §3 rule 3 lists all normalize to docker.io/library/busybox:latest.
    @Test(arguments: ["busybox", "library/busybox", "docker.io/busybox", "docker.io/library/busybox",
                      "index.docker.io/library/busybox", "index.docker.io/busybox", "busybox:latest"])
    func dockerHubEquivalences(_ text: String) throws {
        let reference = try F.reference(text)
        #expect(reference.description == "docker.io/library/busybox:latest")
        #expect(reference.domain == "docker.io")
        #expect(reference.path == "library/busybox")
        #expect(reference.tag == "latest")
        #expect(reference.digest == nil)
        #expect(reference.name == "docker.io/library/busybox")
        #expect(reference == (try F.reference("busybox")))
    }

    /// Registries that reach Docker Hub under another spelling stay distinct strings (§3 rule 3).
    @Test(arguments: [
        ("registry-1.docker.io/library/busybox", "registry-1.docker.io/library/busybox:latest"),
        ("docker.io:443/library/busybox", "docker.io:443/library/busybox:latest"),
        ("docker.io:443/busybox", "docker.io:443/busybox:latest"),
        ("Docker.IO/busybox", "Docker.IO/busybox:latest"),
        ("localhost/x", "localhost/x:latest"),
        ("localhost:5000/x", "localhost:5000/x:latest"),
    ])
    func nonEquivalentRegistries(_ text: String, _ expected: String) throws {
        let reference = try F.reference(text)
        #expect(reference.description == expected)
        #expect(reference != (try F.reference("busybox")))
    }

    /// "localhost/x" and "localhost:5000/x" are different registries, not one.
    @Test func localhostPortMatters() throws {
        #expect(try F.reference("localhost/x") != F.reference("localhost:5000/x"))
        #expect(try F.reference("localhost/x").domain == "localhost")
        #expect(try F.reference("localhost:5000/x").domain == "localhost:5000")
    }

    /// A domain keeps the case it was written in: "Docker.IO" is not rewritten to "docker.io".
    @Test func domainCaseIsKept() throws {
        let reference = try F.reference("Docker.IO/library/busybox")
        #expect(reference.domain == "Docker.IO")
        #expect(reference.path == "library/busybox")
    }

    /// A first component with an upper-case letter is a domain even without "." or ":" (§3 rule 2).
    @Test func upperCaseFirstComponentIsADomain() throws {
        let reference = try F.reference("Registry/app")
        #expect(reference.domain == "Registry")
        #expect(reference.path == "app")
    }

    /// A first component without ".", ":" or upper case is a Docker Hub namespace, not a registry.
    @Test func plainFirstComponentIsAHubNamespace() throws {
        #expect(try F.reference("myorg/app:1").description == "docker.io/myorg/app:1")
        #expect(try F.reference("a/b/c").description == "docker.io/a/b/c:latest")
    }

    /// Other registries keep single-component paths as they are: no "library/" outside Docker Hub.
    @Test func libraryPrefixOnlyOnDockerHub() throws {
        #expect(try F.reference("ghcr.io/app").path == "app")
        #expect(try F.reference("localhost/app").path == "app")
    }

    /// IPv4 and bracketed IPv6 registries with ports are valid domains (§3 rule 1).
    @Test func ipRegistries() throws {
        #expect(try F.reference("127.0.0.1:5000/x").domain == "127.0.0.1:5000")
        #expect(try F.reference("[::1]:5000/x:2").description == "[::1]:5000/x:2")
        #expect(try F.reference("[fe80::1]/x").domain == "[fe80::1]")
    }

    /// An upper-case repository path is refused (§3 rule 4), whether or not a domain is given.
    @Test(arguments: ["BusyBox", "library/BusyBox", "docker.io/library/Busybox", "ghcr.io/Org/app", "Registry/App"])
    func upperCasePathRejected(_ text: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference.parseNormalized(text) }
        do {
            _ = try ImageReference.parseNormalized(text)
        } catch {
            guard case .upperCaseRepository = error else {
                Issue.record("expected upperCaseRepository, got \(error)")
                return
            }
        }
    }

    /// Upper case is allowed in a tag (§3 rule 1).
    @Test func upperCaseTagAllowed() throws {
        #expect(try F.reference("busybox:V1.Final").tag == "V1.Final")
    }

    /// A bare 64-hex string is an image ID and is refused as a name (§3 rule 4).
    @Test func bareIdentifierRefusedAsName() {
        #expect(throws: ImageReferenceError.self) { try ImageReference.parseNormalized(F.hexID) }
    }

    /// "sha256:<64hex>" is the name docker.io/library/sha256 with a 64-character tag (§3 rule 8).
    @Test func sha256PrefixedTextIsANameForPulls() throws {
        let reference = try F.reference(F.digest)
        #expect(reference.name == "docker.io/library/sha256")
        #expect(reference.tag == String(F.digest.dropFirst("sha256:".count)))
    }

    /// Tag and digest together are both kept; the digest decides the content (§3 rule 5).
    @Test func tagAndDigest() throws {
        let reference = try F.reference("alpine:3.19@" + F.digest)
        #expect(reference.tag == "3.19")
        #expect(reference.digest == F.digest)
        #expect(reference.description == "docker.io/library/alpine:3.19@" + F.digest)
    }

    /// A digest without a tag gets no default tag: `TagNameOnly` only tags bare names.
    @Test func digestWithoutTagHasNoTag() throws {
        let reference = try F.reference("ghcr.io/org/app@" + F.digest)
        #expect(reference.tag == nil)
        #expect(reference.digest == F.digest)
        #expect(reference.description == "ghcr.io/org/app@" + F.digest)
    }

    /// sha384 and sha512 digests are accepted with their exact lengths, as go-digest does.
    @Test func otherRegisteredDigestAlgorithms() throws {
        let sha512 = "sha512:" + String(repeating: "ab", count: 64)
        #expect(try F.reference("busybox@" + sha512).digest == sha512)
        let sha384 = "sha384:" + String(repeating: "cd", count: 48)
        #expect(try F.reference("busybox@" + sha384).digest == sha384)
    }

    /// Digests go-digest refuses are refused: wrong length, upper-case hex, unknown algorithm.
    @Test(arguments: [
        "busybox@sha256:abc",
        "busybox@sha256:" + String(repeating: "A", count: 64),
        "busybox@sha256:" + String(repeating: "a", count: 65),
        "busybox@md5:" + String(repeating: "a", count: 32),
        "busybox@sha512:" + String(repeating: "a", count: 64),
        "busybox@",
    ])
    func invalidDigestsRejected(_ text: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference.parseNormalized(text) }
    }

    /// Text outside the grammar is refused, never guessed at (§3 rule 1, design rule 1).
    @Test(arguments: [
        "", "busybox:", ":latest", "/busybox", "busybox/", "a//b", "-a", "a-", "a..b", "a___b", "a._b",
        "busybox:-x", "busybox:.x", "busybox:a/b", "busybox:" + String(repeating: "t", count: 129),
        "busybox@@" + ImageTestFixtures.digest, "host:port/x", "::1/x", "[::1/x", "[]/x", "[::1]:/x",
        "a b", "busybox\n", "büsybox", "a_b.c/d", "-host.com/x", "host-.com/x", "docker.io:/x", "x@y@z",
    ])
    func invalidGrammarRejected(_ text: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference.parseNormalized(text) }
    }

    /// Separators inside a path component follow the grammar: ".", "_", "__", or runs of "-".
    @Test(arguments: ["a.b", "a_b", "a__b", "a-b", "a---b", "a.b-c__d_e", "0", "9lives"])
    func validPathSeparators(_ component: String) throws {
        #expect(try F.reference(component).path == "library/" + component)
    }

    /// The path (without the domain, after "library/") may not exceed 255 characters (§3 rule 1).
    @Test func pathLengthLimit() throws {
        let atLimit = String(repeating: "a", count: 255 - "library/".count)
        #expect(try F.reference(atLimit).path.count == 255)
        #expect(throws: ImageReferenceError.nameTooLong) { try ImageReference.parseNormalized(atLimit + "a") }
        let long = "ghcr.io/" + String(repeating: "b", count: 256)
        #expect(throws: ImageReferenceError.nameTooLong) { try ImageReference.parseNormalized(long) }
    }

    /// A tag of exactly 128 characters is allowed, one more is not.
    @Test func tagLengthLimit() throws {
        let tag = String(repeating: "t", count: 128)
        #expect(try F.reference("busybox:" + tag).tag == tag)
    }

    /// Every error has a non-empty message for the 400 body.
    @Test func errorMessages() {
        let errors: [ImageReferenceError] = [.empty, .invalidFormat("x"), .upperCaseRepository("X"), .nameTooLong,
                                             .digestWithTagNotAllowed, .invalidDigest("d"), .invalidTag("t")]
        for error in errors { #expect(!error.message.isEmpty) }
    }
}
