import Testing
@testable import DockgateDocker

/// `serialized()` is the canonical form forwarded to dockerd (THREATS.md design rule 3): reading it
/// back gives the same tree, and it escapes what a line- or script-oriented consumer could misread.
struct JSONSerializationTests {
    private func text(_ value: JSONValue) -> String {
        String(decoding: value.serialized(), as: UTF8.self)
    }

    /// A representative container-create body round-trips: read(serialized(v)) == v, byte-stable.
    @Test func containerCreateBodyRoundTrips() throws {
        let value = try JSONTest.read(JSONTest.containerCreate)
        let once = value.serialized()
        #expect(try JSONTest.reader.read(once) == value)
        #expect(try JSONTest.reader.read(once).serialized() == once)
    }

    /// No insignificant whitespace, members in document order, numbers as their literal.
    @Test func canonicalFormIsCompact() throws {
        let value = try JSONTest.read(" { \"b\" : [ 1e2 , -0 , 10 ] ,\n \"a\" : { } , \"c\" : [ true , null ] } ")
        #expect(text(value) == #"{"b":[1e2,-0,10],"a":{},"c":[true,null]}"#)
    }

    /// Strings use the short escapes, `\u00XX` for other controls, raw UTF-8 for non-ASCII.
    @Test func stringEscapes() {
        let value = JSONValue.string("q\"b\\n\nr\rt\tb\u{8}f\u{C}\u{0}\u{1F}\u{7F}/é😀")
        #expect(text(value) == "\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f\\u0000\\u001f\u{7F}/é😀\"")
    }

    /// U+2028 and U+2029 are written as `\u2028`/`\u2029` (as Go's json.Marshal does) and read back.
    @Test func lineSeparatorsAreEscaped() throws {
        let value = try JSONTest.read("{\"Cmd\":[\"a\u{2028}b\\u2029c\"]}")
        let bytes = value.serialized()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"Cmd":["a\u2028b\u2029c"]}"#)
        #expect(!bytes.contains(0xE2))
        #expect(try JSONTest.reader.read(bytes) == value)
    }

    /// Escaped input is written in canonical form: `\u0050` becomes "P", a surrogate pair raw UTF-8.
    @Test func escapesAreCanonicalized() throws {
        let value = try JSONTest.read(#"{"\u0050rivileged":"\ud83d\ude00\/"}"#)
        #expect(text(value) == "{\"Privileged\":\"😀/\"}")
    }

    /// Keys are escaped like strings, and round-trip with every control character and NUL in values.
    @Test func everyControlCharacterRoundTrips() throws {
        let all = String(decoding: Array(UInt8(0)..<0x20) + Array("\"\\".utf8), as: UTF8.self)
        let value = JSONValue.object(JSONObject([("k\"\n", .string(all)), ("e\u{301}", .string("\u{E9}"))]))
        #expect(try JSONTest.reader.read(value.serialized()) == value)
    }

    /// Scalars and empty containers serialize to their literal forms.
    @Test func scalarsSerialize() {
        #expect(text(.null) == "null")
        #expect(text(.bool(true)) == "true")
        #expect(text(.bool(false)) == "false")
        #expect(text(.number(JSONNumber(-42))) == "-42")
        #expect(text(.array([])) == "[]")
        #expect(text(.object(JSONObject())) == "{}")
        #expect(text(.string("")) == "\"\"")
    }
}
