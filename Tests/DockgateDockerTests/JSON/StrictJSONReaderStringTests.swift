import Testing
@testable import DockgateDocker

/// Strings: escapes decoded as Go does (THREATS.md G-12), and every input Go would silently repair
/// into U+FFFD (G-13) refused instead.
struct StrictJSONReaderStringTests {
    /// G-12: escapes in keys are decoded, so `"\u0050rivileged"` is the key "Privileged".
    @Test func escapedKeyIsDecoded() throws {
        let object = try #require(try JSONTest.read(#"{"\u0050rivileged":true}"#).objectValue)
        #expect(object.keys == ["Privileged"])
        #expect(object.exactMember("Privileged") == .bool(true))
        let network = try JSONTest.read(#"{"NetworkMode":"\u0068ost"}"#).objectValue?.member("networkmode")
        #expect(network == .string("host"))
    }

    /// Every simple escape decodes to its character; hex digits may be either case.
    @Test func simpleEscapesDecode() throws {
        #expect(try JSONTest.read(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try JSONTest.read(#""\u00e9\u00E9\u20AC""#) == .string("éé€"))
        #expect(try JSONTest.read(#""a\u0041b""#) == .string("aAb"))
    }

    /// A surrogate pair decodes to the one scalar it encodes.
    @Test func surrogatePairDecodesToOneScalar() throws {
        let text = try #require(try JSONTest.read(#""\ud83d\ude00""#).stringValue)
        #expect(text == "😀")
        #expect(text.unicodeScalars.count == 1)
        #expect(try JSONTest.read(#""x\uD800\uDC00y""#) == .string("x\u{10000}y"))
        #expect(try JSONTest.read(#""\uDBFF\uDFFF""#) == .string("\u{10FFFF}"))
    }

    /// G-13: a high surrogate escape without a following low one is refused, at the escape.
    @Test(arguments: [
        (#""\ud800""#, 1), (#""a\ud800b""#, 2), (#""\ud800\u0041""#, 1), (#""\ud800\ud800""#, 1),
        (#""\ud83d\n""#, 1), (#"{"k\ud800":1}"#, 3),
    ])
    func loneHighSurrogateIsRejected(text: String, offset: Int) {
        #expect(JSONTest.error(text) == .loneSurrogate(offset: offset))
    }

    /// G-13: a low surrogate escape on its own (or first) is refused.
    @Test func loneLowSurrogateIsRejected() {
        #expect(JSONTest.error(#""\udc00""#) == .loneSurrogate(offset: 1))
        #expect(JSONTest.error(#""\ude00\ud83d""#) == .loneSurrogate(offset: 1))
    }

    /// Raw control characters (< 0x20) inside a string are syntax errors; escaped they are fine.
    @Test(arguments: Array(UInt8(0)..<0x20))
    func rawControlCharacterIsRejected(byte: UInt8) {
        #expect(JSONTest.error(JSONTest.bytes(#"["a"#, [byte], #""]"#))
            == .syntax(offset: 3, reason: "a control character in a string must be escaped"))
    }

    /// G-13: `\u0000` is accepted inside a string value, as in Go.
    @Test func nulEscapeIsAllowedInValues() throws {
        #expect(try JSONTest.read(#"{"Image":"a\u0000b"}"#).objectValue?.member("Image") == .string("a\u{0}b"))
    }

    /// `\u0000` in an object key is refused (a NUL can truncate a key in C-based consumers).
    @Test func nulEscapeInKeyIsRejected() {
        #expect(JSONTest.error(#"{"Priv\u0000ileged":true}"#) == .nulInKey(offset: 6))
        #expect(JSONTest.error(#"{"a":{"\u0000":1}}"#) == .nulInKey(offset: 7))
    }

    /// Unknown escapes, short or non-hex `\u`, and `\U` are syntax errors.
    @Test(arguments: [#""\x41""#, #""\a""#, #""\U0041""#, #""\u004""#, #""\u00G1""#, #""\"#, #""\u"#, #""\'""#, #""\ud800\u12""#])
    func invalidEscapeIsRejected(text: String) {
        guard case .syntax? = JSONTest.error(text) else {
            Issue.record("\(text): \(String(describing: JSONTest.error(text)))")
            return
        }
    }

    /// An unterminated string is a syntax error at its opening quote.
    @Test func unterminatedStringIsRejected() {
        #expect(JSONTest.error(#"{"a":"bc"#) == .syntax(offset: 5, reason: "the string is not terminated"))
    }

    /// Valid UTF-8 of every length reads as itself, in keys and values; raw U+2028 is fine in a string.
    @Test func validUTF8IsRead() throws {
        let text = "é€😀\u{2028}\u{FEFF}ſ"
        let object = try #require(try JSONTest.read("{\"\(text)\":\"\(text)\"}").objectValue)
        #expect(object.exactMember(text) == .string(text))
    }

    /// G-13: a raw invalid byte in a value (Go would read "a\u{FFFD}") is refused at that byte.
    @Test func invalidByteInValueIsRejected() {
        #expect(JSONTest.error(JSONTest.bytes(#"{"Image":"a"#, [0xFF], #""}"#)) == .invalidUTF8(offset: 11))
    }

    /// G-13: overlong forms, encoded surrogates, code points above U+10FFFF, stray continuation bytes,
    /// truncated sequences and bytes F5–FF are all invalid UTF-8, in values and in keys.
    @Test(arguments: [
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0x80],
        [0xF0, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
        [0xF5, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0x80], [0xBF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        [0xC3, 0x41], [0xE2, 0x28, 0xA1],
    ] as [[UInt8]])
    func invalidUTF8IsRejected(sequence: [UInt8]) {
        #expect(JSONTest.error(JSONTest.bytes(#"["x"#, sequence, #""]"#)) == .invalidUTF8(offset: 3))
        #expect(JSONTest.error(JSONTest.bytes(#"{"k"#, sequence, #"":1}"#)) == .invalidUTF8(offset: 3))
    }

    /// Invalid UTF-8 outside strings is named as such, not as a mere unexpected character.
    @Test func invalidUTF8OutsideStringsIsRejected() {
        #expect(JSONTest.error([0xFF]) == .invalidUTF8(offset: 0))
        #expect(JSONTest.error(JSONTest.bytes("[1,", [0xC0, 0xAF], "]")) == .invalidUTF8(offset: 3))
        #expect(JSONTest.error(JSONTest.bytes("{} ", [0xFF], "")) == .invalidUTF8(offset: 3))
        #expect(JSONTest.error(JSONTest.bytes(#"{"a":1 "#, [0x80], "}")) == .invalidUTF8(offset: 7))
    }

    /// G-14: a leading UTF-8 BOM is refused as such; a BOM anywhere else outside strings is a syntax error.
    @Test func byteOrderMarkIsRejected() {
        #expect(JSONTest.error([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .byteOrderMark)
        #expect(JSONTest.error([0xEF, 0xBB, 0xBF]) == .byteOrderMark)
        guard case .syntax(offset: 1, reason: _)? = JSONTest.error(" \u{FEFF}{}") else {
            Issue.record("BOM after whitespace was not a syntax error")
            return
        }
        #expect(JSONTest.error("{}\u{FEFF}") == .trailingData(offset: 2))
    }
}
