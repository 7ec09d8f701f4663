import Testing
@testable import DockgateDocker

/// Lookups: struct fields fold as Go does (THREATS.md G-1, G-2), map keys are exact bytes (G-16).
struct JSONObjectTests {
    /// G-1: `{"hostconfig":{"PRIVILEGED":true}}` is found under the canonical names.
    @Test func memberMatchesCaseInsensitively() throws {
        let body = try JSONTest.read(#"{"hostconfig":{"PRIVILEGED":true}}"#)
        #expect(body.objectValue?.member("HostConfig")?.objectValue?.member("Privileged") == .bool(true))
    }

    /// G-2 / J-02: `"Bindſ"` is found by member("Binds"), `"MasKedPaths"` (U+212A) by member("MaskedPaths").
    @Test func memberMatchesUnicodeFolds() throws {
        let object = try #require(try JSONTest.read("{\"Bind\u{17F}\":[],\"Mas\u{212A}edPaths\":[],\"\u{17F}ecurityOpt\":[\"x\"]}").objectValue)
        #expect(object.member("Binds") == .array([]))
        #expect(object.member("MaskedPaths") == .array([]))
        #expect(object.member("SecurityOpt") == .array([.string("x")]))
        #expect(object.exactMember("Binds") == nil)
    }

    /// Folding is per rune, not a substring or prefix match, and ı U+0131 does not match "i".
    @Test func memberDoesNotOverMatch() throws {
        let object = try #require(try JSONTest.read("{\"Privileged\":true,\"Pr\u{131}vileged\":false}").objectValue)
        #expect(object.member("Privilege") == nil)
        #expect(object.member("Privilegedx") == nil)
        #expect(object.member("privileged") == .bool(true))
        #expect(object.member("Pr\u{131}vileged") == .bool(false))
    }

    /// G-16: exactMember is case-sensitive, for Labels, Sysctls, DriverOpts.
    @Test func exactMemberIsCaseSensitive() throws {
        let labels = try #require(try JSONTest.read(#"{"Type":"nfs","type":"tmpfs"}"#, with: StrictJSONReader(rejectFoldedDuplicates: false)).objectValue)
        #expect(labels.exactMember("type") == .string("tmpfs"))
        #expect(labels.exactMember("Type") == .string("nfs"))
        #expect(labels.exactMember("TYPE") == nil)
    }

    /// Lookups compare bytes: "é" (U+00E9) does not find "e\u{301}", and "K" does not find U+212A,
    /// although Swift's `String ==` calls both pairs equal.
    @Test func lookupsCompareBytesNotCanonicalEquivalence() throws {
        let object = try #require(try JSONTest.read("{\"e\u{301}\":1,\"\u{212A}\":2}").objectValue)
        #expect(object.exactMember("\u{E9}") == nil)
        #expect(object.exactMember("e\u{301}") == .number(JSONNumber(1)))
        #expect(object.exactMember("K") == nil)
        #expect(object.member("k") == .number(JSONNumber(2)))
        #expect(object.member("\u{E9}") == nil)
    }

    /// Equality is ordered and byte-exact for keys and string values.
    @Test func equalityIsOrderedAndByteExact() {
        let ab = JSONObject([("a", .null), ("b", .null)])
        let ba = JSONObject([("b", .null), ("a", .null)])
        #expect(ab != ba)
        #expect(ab == JSONObject([("a", .null), ("b", .null)]))
        #expect(JSONObject([("\u{E9}", .null)]) != JSONObject([("e\u{301}", .null)]))
        #expect(JSONValue.string("\u{E9}") != JSONValue.string("e\u{301}"))
        #expect(JSONValue.array([.null]) != JSONValue.array([.null, .null]))
        #expect(JSONValue.bool(false) != JSONValue.null)
    }

    /// A hand-built object with repeated keys answers the last one, as Go's last-wins (G-4).
    @Test func lookupsReturnTheLastMatch() {
        let object = JSONObject([("Privileged", .bool(false)), ("privileged", .bool(true)), ("Privileged", .null)])
        #expect(object.member("PRIVILEGED") == .null)
        #expect(object.exactMember("privileged") == .bool(true))
        #expect(object.keys == ["Privileged", "privileged", "Privileged"])
    }

    /// The typed accessors never coerce between JSON types (G-14).
    @Test func accessorsDoNotCoerce() {
        #expect(JSONValue.string("true").boolValue == nil)
        #expect(JSONValue.number(JSONNumber(1)).boolValue == nil)
        #expect(JSONValue.null.stringValue == nil)
        #expect(JSONValue.null.isNull)
        #expect(!JSONValue.array([]).isNull)
        #expect(JSONValue.object(JSONObject()).arrayValue == nil)
    }
}
