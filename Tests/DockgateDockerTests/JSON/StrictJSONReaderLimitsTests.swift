import Testing
@testable import DockgateDocker

/// Size and depth limits (THREATS.md §2, step 1: "Cap size (413) and depth"), linear work on large
/// bodies, and no crash on any input.
struct StrictJSONReaderLimitsTests {
    private func nested(_ depth: Int, open: String = "[", close: String = "]") -> String {
        String(repeating: open, count: depth) + String(repeating: close, count: depth)
    }

    /// Depth 64 is accepted and 65 refused by default, for arrays, objects and a mix.
    @Test func depthLimitIsExact() throws {
        #expect(JSONTest.error(nested(64)) == nil)
        #expect(JSONTest.error(nested(65)) == .tooDeep(limit: 64))
        let object64 = String(repeating: #"{"a":"#, count: 63) + "{}" + String(repeating: "}", count: 63)
        #expect(JSONTest.error(object64) == nil)
        #expect(JSONTest.error(#"{"a":"# + object64 + "}") == .tooDeep(limit: 64))
        let mixed65 = String(repeating: #"[{"a":"#, count: 32) + "[1]" + String(repeating: "}]", count: 32)
        #expect(JSONTest.error(mixed65) == .tooDeep(limit: 64))
    }

    /// An empty container at the limit still counts as a level.
    @Test func emptyContainersCount() {
        let reader = StrictJSONReader(maxDepth: 2)
        #expect(JSONTest.error("[[]]", with: reader) == nil)
        #expect(JSONTest.error("[[{}]]", with: reader) == .tooDeep(limit: 2))
        #expect(JSONTest.error("{}", with: StrictJSONReader(maxDepth: 0)) == .tooDeep(limit: 0))
        #expect(JSONTest.error("1", with: StrictJSONReader(maxDepth: 0)) == nil)
    }

    /// A very deep body (100 000 levels) is refused without recursion, and an unclosed one too.
    @Test func hugeNestingDoesNotCrash() {
        #expect(JSONTest.error(nested(100_000)) == .tooDeep(limit: 64))
        #expect(JSONTest.error(String(repeating: "[", count: 100_000)) == .tooDeep(limit: 64))
        let ceiling = StrictJSONReader(maxDepth: 1_000_000)
        #expect(ceiling.maxDepth == StrictJSONReader.depthCeiling)
        #expect(JSONTest.error(nested(StrictJSONReader.depthCeiling), with: ceiling) == nil)
        #expect(JSONTest.error(nested(StrictJSONReader.depthCeiling + 1), with: ceiling) == .tooDeep(limit: StrictJSONReader.depthCeiling))
    }

    /// Size is checked first: a body one byte over the limit is refused before parsing, even if malformed.
    @Test func sizeLimitIsCheckedFirst() {
        let reader = StrictJSONReader(maxBytes: 8)
        #expect(JSONTest.error(#"{"a":12}"#, with: reader) == nil)
        #expect(JSONTest.error(#"{"a":123}"#, with: reader) == .tooLarge(limit: 8))
        #expect(JSONTest.error([0xEF, 0xBB, 0xBF, 0xFF, 0xFF, 0, 0, 0, 0], with: reader) == .tooLarge(limit: 8))
        #expect(JSONTest.error(Array(repeating: 0x20, count: 4 * 1024 * 1024 + 1)) == .tooLarge(limit: 4 * 1024 * 1024))
    }

    /// A body near the 4 MiB default, an array of small objects, is read completely.
    @Test func largeBodyIsRead() throws {
        let element = #"{"Name":"c","Labels":{"a":"b"},"Ports":[1,2]}"#
        let count = (4 * 1024 * 1024 - 2) / (element.utf8.count + 1)
        let body = "[" + Array(repeating: element, count: count).joined(separator: ",") + "]"
        #expect(body.utf8.count <= 4 * 1024 * 1024)
        let value = try JSONTest.read(body)
        #expect(value.arrayValue?.count == count)
        #expect(value.arrayValue?.last?.objectValue?.member("labels")?.objectValue?.exactMember("a") == .string("b"))
    }

    /// A long string with and without escapes is read whole.
    @Test func longStringsAreRead() throws {
        let plain = String(repeating: "é", count: 500_000)
        #expect(try JSONTest.read("\"\(plain)\"") == .string(plain))
        let escaped = String(repeating: #"\n\u00e9"#, count: 100_000)
        #expect(try JSONTest.read("\"\(escaped)\"").stringValue?.unicodeScalars.count == 200_000)
    }

    /// Every prefix of a valid body, and thousands of random mutations of it, either read or throw:
    /// none crashes, and whatever reads round-trips through `serialized()`.
    @Test func mutatedInputsNeverCrash() throws {
        let body = Array(JSONTest.containerCreate.utf8) + Array(#" ["\ud83d\ude00",-1.5e-3,{"ſ":null}]"#.utf8)
        for end in 0...body.count {
            _ = JSONTest.error(Array(body[..<end]))
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let interesting: [UInt8] = [0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x2C, 0x75, 0x30, 0x2D, 0x80, 0xC0, 0xED, 0xEF, 0xF4, 0xFF]
        for _ in 0..<5000 {
            var mutated = body
            for _ in 0..<(1 + Int(next() % 4)) {
                let index = Int(next() % UInt64(mutated.count))
                switch next() % 3 {
                case 0: mutated[index] = interesting[Int(next() % UInt64(interesting.count))]
                case 1: mutated.remove(at: index)
                default: mutated.insert(UInt8(truncatingIfNeeded: next()), at: index)
                }
            }
            if let value = try? JSONTest.reader.read(mutated) {
                #expect(try JSONTest.reader.read(value.serialized()) == value)
            }
        }
    }

    /// Negative limits are treated as zero rather than trapping.
    @Test func negativeLimitsAreClamped() {
        let reader = StrictJSONReader(maxBytes: -1, maxDepth: -5)
        #expect(reader.maxBytes == 0)
        #expect(reader.maxDepth == 0)
        #expect(JSONTest.error("1", with: reader) == .tooLarge(limit: 0))
    }
}
