import Testing
import DockgateDocker

/// THREATS.md §3 rule 8 and row I-07: how `Config.Image` is resolved by dockerd.
@Suite struct ContainerImageSpecTests {
    typealias F = ImageTestFixtures

    /// "sha256:<64hex>" is an image ID (`ParseAnyReference` digest branch).
    @Test func fullDigestIsAnID() throws {
        #expect(try ContainerImageSpec.parse(F.digest) == .imageID(F.digest))
    }

    /// A bare 64-hex string is an image ID (`ParseAnyReference` identifier branch).
    @Test func bareHexIsAnID() throws {
        #expect(try ContainerImageSpec.parse(F.hexID) == .imageID(F.hexID))
    }

    /// "0ae06d" is a valid name, but dockerd falls back to an ID-prefix search, so it is an ID [V].
    @Test func shortHexNameIsAnID() throws {
        #expect(try ContainerImageSpec.parse("0ae06d") == .imageID("0ae06d"))
        #expect(try ContainerImageSpec.parse("a") == .imageID("a"))
        #expect(try ImageReference.parseNormalized("0ae06d").description == "docker.io/library/0ae06d:latest")
    }

    /// "sha256:0ae06d" is a valid name:tag, but dockerd 20.10 also resolves it as an ID prefix.
    @Test func sha256ShortPrefixIsAnID() throws {
        #expect(try ContainerImageSpec.parse("sha256:0ae06d") == .imageID("sha256:0ae06d"))
    }

    /// Ordinary names are references, normalized as everywhere else.
    @Test func namesAreReferences() throws {
        #expect(try ContainerImageSpec.parse("busybox") == .reference(F.reference("docker.io/library/busybox:latest")))
        #expect(try ContainerImageSpec.parse("busybox@" + F.digest) == .reference(F.reference("busybox@" + F.digest)))
        // Hex-only names that cannot be an ID prefix search term: with a tag, a path or a registry.
        #expect(try ContainerImageSpec.parse("0ae06d:latest") == .reference(F.reference("0ae06d:latest")))
        #expect(try ContainerImageSpec.parse("library/0ae06d") == .reference(F.reference("0ae06d")))
        #expect(try ContainerImageSpec.parse("deadbeefz") == .reference(F.reference("deadbeefz")))
    }

    /// Text dockerd cannot parse is refused: empty, upper case, invalid grammar.
    @Test(arguments: ["", "BusyBox", "0AE06D", "busybox:", "a@@b", String(repeating: "A", count: 64)])
    func invalidRefused(_ text: String) {
        #expect(throws: ImageReferenceError.self) { try ContainerImageSpec.parse(text) }
    }
}
