import Testing
@testable import DockgateDocker

/// Document structure: exactly one value, JSON whitespace only, RFC 8259 syntax (THREATS.md G-14, G-15).
struct StrictJSONReaderStructureTests {
    /// An empty body is a syntax error, not an empty value.
    @Test func emptyInputIsSyntaxError() {
        #expect(JSONTest.error("") == .syntax(offset: 0, reason: "the body is empty, expected a JSON value"))
    }

    /// A body of whitespace only is a syntax error at its end.
    @Test func whitespaceOnlyIsSyntaxError() {
        guard case .syntax(offset: 3, reason: _)? = JSONTest.error(" \t\n") else {
            Issue.record("expected a syntax error at offset 3")
            return
        }
    }

    /// G-15: a `]` after the body (which Go's `More()` does not see) is trailing data.
    @Test func closingBracketAfterValueIsTrailingData() {
        #expect(JSONTest.error(#"{"Image":"a"} ]"#) == .trailingData(offset: 14))
    }

    /// G-15: a second value (which 20.10 ignores) is trailing data.
    @Test func secondValueIsTrailingData() {
        #expect(JSONTest.error("{}{}") == .trailingData(offset: 2))
        #expect(JSONTest.error("1 2") == .trailingData(offset: 2))
        #expect(JSONTest.error(#"{"a":1}}"#) == .trailingData(offset: 7))
        #expect(JSONTest.error("nullx") == .trailingData(offset: 4))
        #expect(JSONTest.error("{}//c") == .trailingData(offset: 2))
    }

    /// G-14: space, tab, CR and LF are the only whitespace, before, inside and after the value.
    @Test func jsonWhitespaceIsAccepted() throws {
        let value = try JSONTest.read(" \t\r\n{ \"a\" \t:\r\n[ 1 , 2 ] } \n\t\r ")
        #expect(value == .object(JSONObject([("a", .array([.number(JSONNumber(1)), .number(JSONNumber(2))]))])))
    }

    /// G-14: form feed, vertical tab, NBSP, U+2028 and a NUL are not JSON whitespace.
    @Test(arguments: [[0x0C], [0x0B], [0xC2, 0xA0], [0xE2, 0x80, 0xA8], [0x00]] as [[UInt8]])
    func otherWhitespaceIsRejected(space: [UInt8]) {
        let before = JSONTest.error(space + Array("{}".utf8))
        let after = JSONTest.error(Array("{}".utf8) + space)
        if case .syntax(offset: 0, reason: _)? = before {} else { Issue.record("leading \(space): \(String(describing: before))") }
        #expect(after == .trailingData(offset: 2))
    }

    /// G-14: literals are exactly `true`, `false`, `null` in lower case; others are syntax errors.
    @Test(arguments: ["tRue", "True", "TRUE", "nul", "NULL", "Null", "fals", "f", "[tru]", "undefined", "NaN", "Infinity", "-Infinity"])
    func badLiteralsAreRejected(text: String) {
        guard case .syntax? = JSONTest.error(text) else {
            Issue.record("\(text) was not a syntax error: \(String(describing: JSONTest.error(text)))")
            return
        }
    }

    /// The three literals read as themselves, at top level and inside containers.
    @Test func literalsAreRead() throws {
        #expect(try JSONTest.read("true") == .bool(true))
        #expect(try JSONTest.read("false") == .bool(false))
        #expect(try JSONTest.read("null") == .null)
        #expect(try JSONTest.read("[true,false,null]") == .array([.bool(true), .bool(false), .null]))
    }

    /// G-14: no comments, single quotes, trailing commas, unquoted keys or missing separators.
    @Test(arguments: [
        "{/*c*/}", "# c\n{}", "{'a':1}", "['a']", "[1,]", "{\"a\":1,}", "[,1]", "{,}", "{a:1}",
        "{\"a\" 1}", "{\"a\":}", "{\"a\"}", "[1 2]", "{\"a\":1 \"b\":2}", "[", "{", "{\"a\":1", "[1,", "]", "}",
        "{1:2}", "{null:1}", "\"abc", "[\"a\":1]",
    ])
    func malformedStructureIsSyntaxError(text: String) {
        let error = JSONTest.error(text)
        guard case .syntax? = error else {
            Issue.record("\(text.debugDescription): \(String(describing: error))")
            return
        }
    }

    /// Any JSON value may be the whole body, as in Go; the caller checks the type it needs.
    @Test func scalarTopLevelValuesAreRead() throws {
        #expect(try JSONTest.read(#""x""#) == .string("x"))
        #expect(try JSONTest.read(" 12 ") == .number(JSONNumber(12)))
        #expect(try JSONTest.read("[]") == .array([]))
        #expect(try JSONTest.read("{}") == .object(JSONObject()))
    }

    /// Members keep document order, and nested containers are rebuilt exactly.
    @Test func membersKeepDocumentOrder() throws {
        let value = try JSONTest.read(#"{"b":1,"a":{"z":[],"y":{}},"c":[[1],{"d":null}]}"#)
        guard case let .object(object) = value else {
            Issue.record("not an object")
            return
        }
        #expect(object.keys == ["b", "a", "c"])
        #expect(object.member("a")?.objectValue?.keys == ["z", "y"])
        #expect(object.member("c") == .array([.array([.number(JSONNumber(1))]), .object(JSONObject([("d", .null)]))]))
    }

    /// A representative container-create body reads, and its fields are where the policy looks.
    @Test func containerCreateBodyIsRead() throws {
        let value = try JSONTest.read(JSONTest.containerCreate)
        let hostConfig = value.objectValue?.member("HostConfig")?.objectValue
        #expect(hostConfig?.member("Privileged") == .bool(false))
        #expect(hostConfig?.member("Binds") == .array([.string("/srv/dev/alice:/data:ro")]))
        #expect(value.objectValue?.member("Cmd")?.arrayValue?.last == .string("echo \"hi\"\n"))
        #expect(value.objectValue?.member("Healthcheck")?.objectValue?.member("Interval")?.numberValue?.literal == "1.5e9")
    }

    /// Input that is not contiguous in memory (a lazy collection) reads the same as an array.
    @Test func nonContiguousCollectionIsRead() throws {
        let text = Array(#"{"a":[1,"é"]}"#.utf8)
        let lazy = text.indices.lazy.map { text[$0] }
        #expect(try JSONTest.reader.read(lazy) == JSONTest.read(#"{"a":[1,"é"]}"#))
        #expect(try JSONTest.reader.read(#"{"a":[1,"é"]}"#.utf8) == JSONTest.read(#"{"a":[1,"é"]}"#))
    }
}
