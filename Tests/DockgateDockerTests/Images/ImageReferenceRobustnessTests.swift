import Testing
import DockgateDocker

/// Never crash on any input, and normalization is a fixed point.
@Suite struct ImageReferenceRobustnessTests {
    /// A small deterministic generator (SplitMix64) so failures are reproducible.
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    private static let alphabet: [Character] = Array("abcAB09f.-_:/@*[]sha256 \u{0}é") + ["sha256:", "docker.io/", "library/", "localhost"].flatMap { Array($0) }

    private static func randomText(_ generator: inout Generator) -> String {
        let length = generator.below(40)
        return String((0..<length).map { _ in alphabet[generator.below(alphabet.count)] })
    }

    /// Random texts through every entry point: no crash, and each parsed reference re-parses to itself.
    @Test func randomInputsNeverCrashAndRoundTrip() throws {
        var generator = Generator(state: 0x5EED)
        var parsed = 0
        for _ in 0..<20_000 {
            let text = Self.randomText(&generator)
            let tag = Self.randomText(&generator)
            if let reference = try? ImageReference.parseNormalized(text) {
                parsed += 1
                #expect(try ImageReference.parseNormalized(reference.description) == reference)
                #expect(reference.tag != nil || reference.digest != nil)
            }
            _ = try? ImageReference.pullTarget(fromImage: text, tag: tag)
            _ = try? ImageReference.repoTag(repo: text, tag: tag)
            _ = try? ContainerImageSpec.parse(text)
            if let pattern = try? ImagePattern(text), let reference = try? ImageReference.parseNormalized(tag) {
                _ = pattern.matches(reference)
                _ = pattern.matchesAllTags(ofRepository: tag)
            }
        }
        #expect(parsed > 0)
    }

    /// Pathological wildcard patterns against long names finish and answer correctly.
    @Test func wildcardBacktrackingTerminates() throws {
        let pattern = try ImagePattern("ghcr.io/" + String(repeating: "a*", count: 60) + "b")
        let reference = try ImageReference.parseNormalized("ghcr.io/" + String(repeating: "a", count: 250))
        #expect(!pattern.matches(reference))
    }

    /// Inputs of extreme size or odd Unicode are refused, not crashed on.
    @Test(arguments: [String(repeating: "a/", count: 10_000), String(repeating: "@", count: 1_000),
                      "\u{1F600}", "busybox\u{301}", "bus\u{0}ybox", String(repeating: ":", count: 500)])
    func extremeInputsRefused(_ text: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference.parseNormalized(text) }
        #expect(throws: ImageReferenceError.self) { try ImagePattern(text) }
        #expect(throws: ImageReferenceError.self) { try ContainerImageSpec.parse(text) }
    }
}
