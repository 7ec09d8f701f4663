import Testing
@testable import DockgateDocker

/// Keys that Go would read as the same field are refused, so last-wins, null no-ops and merging
/// (THREATS.md G-4…G-8, J-03…J-07) can never make dockerd see something the policy did not.
struct StrictJSONReaderDuplicateKeyTests {
    /// J-03: `"Privileged":false,"privileged":true` (Go: true) is refused at /HostConfig, naming the second key.
    @Test func caseVariantDuplicateIsRejected() {
        #expect(JSONTest.error(#"{"HostConfig":{"Privileged":false,"privileged":true}}"#)
            == .duplicateKey(path: "/HostConfig", key: "privileged"))
    }

    /// J-04: the same key twice (`true` then a no-op `null`) is refused.
    @Test func exactDuplicateIsRejected() {
        #expect(JSONTest.error(#"{"HostConfig":{"Privileged":true,"Privileged":null}}"#)
            == .duplicateKey(path: "/HostConfig", key: "Privileged"))
    }

    /// J-05: two HostConfig objects (Go merges them) are refused at the top level, whose path is "".
    @Test func duplicateObjectsAreRejected() {
        #expect(JSONTest.error(#"{"HostConfig":{"Privileged":true},"HostConfig":{"CpuShares":2}}"#)
            == .duplicateKey(path: "", key: "HostConfig"))
    }

    /// J-06: two Mounts arrays (Go merges elements by index) are refused.
    @Test func duplicateArraysAreRejected() {
        let body = #"{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/"}],"mounts":[{"Target":"/h"}]}}"#
        #expect(JSONTest.error(body) == .duplicateKey(path: "/HostConfig", key: "mounts"))
    }

    /// J-07: two Sysctls maps (Go takes their union) are refused.
    @Test func duplicateMapsAreRejected() {
        #expect(JSONTest.error(#"{"HostConfig":{"Sysctls":{"a":"1"},"Sysctls":{"b":"2"}}}"#)
            == .duplicateKey(path: "/HostConfig", key: "Sysctls"))
    }

    /// G-2: keys that differ only by a Unicode fold (`ſ` U+017F for `s`, `K` U+212A for `k`) are duplicates.
    @Test func unicodeFoldedDuplicatesAreRejected() {
        #expect(JSONTest.error(#"{"Binds":[],"Bindſ":["/:/h"]}"#) == .duplicateKey(path: "", key: "Bindſ"))
        #expect(JSONTest.error("{\"MaskedPaths\":[],\"Mas\u{212A}edPaths\":null}")
            == .duplicateKey(path: "", key: "Mas\u{212A}edPaths"))
        #expect(JSONTest.error(#"{"SecurityOpt":[],"ſECURITYOPT":[]}"#) == .duplicateKey(path: "", key: "ſECURITYOPT"))
    }

    /// G-12: an escaped spelling of an earlier key is the same key.
    @Test func escapedDuplicateIsRejected() {
        #expect(JSONTest.error(#"{"Privileged":false,"\u0050rivileged":true}"#)
            == .duplicateKey(path: "", key: "Privileged"))
    }

    /// With `rejectFoldedDuplicates: false`, case variants pass (for map-typed objects) but the same
    /// spelling is still refused.
    @Test func foldedDuplicatesCanBeAllowed() throws {
        let lenient = StrictJSONReader(rejectFoldedDuplicates: false)
        let labels = try #require(try JSONTest.read(#"{"team":"a","Team":"b","ſ":1,"s":2}"#, with: lenient).objectValue)
        #expect(labels.keys == ["team", "Team", "ſ", "s"])
        #expect(labels.exactMember("Team") == .string("b"))
        #expect(JSONTest.error(#"{"team":"a","team":"b"}"#, with: lenient) == .duplicateKey(path: "", key: "team"))
    }

    /// Keys Go keeps apart are not duplicates: canonically equivalent but different bytes, ı vs I, İ vs i.
    @Test func distinctKeysAreNotDuplicates() throws {
        let object = try #require(try JSONTest.read("{\"\u{E9}\":1,\"e\u{301}\":2,\"\u{131}\":3,\"I\":4,\"\u{130}\":5,\"i2\":6}").objectValue)
        #expect(object.count == 6)
    }

    /// The path names the object inside arrays and nested objects, escaping `~` and `/` as in RFC 6901.
    @Test func pathLocatesTheObject() {
        #expect(JSONTest.error(#"{"HostConfig":{"Mounts":[{},{"Type":"a","type":"b"}]}}"#)
            == .duplicateKey(path: "/HostConfig/Mounts/1", key: "type"))
        #expect(JSONTest.error(#"[[{"a":1,"A":2}]]"#) == .duplicateKey(path: "/0/0", key: "A"))
        #expect(JSONTest.error(#"{"a/b":{"c~d":{"x":1,"x":2}}}"#) == .duplicateKey(path: "/a~1b/c~0d", key: "x"))
        #expect(JSONTest.error(#"{"":{"x":1,"X":2}}"#) == .duplicateKey(path: "/", key: "X"))
    }

    /// Duplicates are found in large objects too (past the linear scan), by spelling and by fold.
    @Test func duplicatesInLargeObjectsAreRejected() {
        let members = (0..<100).map { "\"Key\($0)\":\($0)" }
        let exact = "{" + (members + ["\"Key57\":0"]).joined(separator: ",") + "}"
        let folded = "{" + (members + ["\"kEY99\":0"]).joined(separator: ",") + "}"
        let unicode = "{" + (members + ["\"Bindſ\":0", "\"BINDS\":1"]).joined(separator: ",") + "}"
        #expect(JSONTest.error(exact) == .duplicateKey(path: "", key: "Key57"))
        #expect(JSONTest.error(folded) == .duplicateKey(path: "", key: "kEY99"))
        #expect(JSONTest.error(unicode) == .duplicateKey(path: "", key: "BINDS"))
        let lenient = StrictJSONReader(rejectFoldedDuplicates: false)
        #expect(JSONTest.error(folded, with: lenient) == nil)
        #expect(JSONTest.error(exact, with: lenient) == .duplicateKey(path: "", key: "Key57"))
    }

    /// Many distinct keys in one object are accepted.
    @Test func manyDistinctKeysAreAccepted() throws {
        let body = "{" + (0..<5000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        #expect(try JSONTest.read(body).objectValue?.count == 5000)
    }

    /// The same key in different objects is not a duplicate.
    @Test func sameKeyInSiblingObjectsIsAccepted() throws {
        let value = try JSONTest.read(#"{"a":{"x":1},"b":{"x":2},"c":[{"x":3},{"x":4}]}"#)
        #expect(value.objectValue?.member("c")?.arrayValue?.count == 2)
    }
}

/// Map-typed fields (G-16) may legitimately hold keys that differ only in case; the default reader
/// refuses them with the rest, while a lenient read plus `foldedDuplicateKey()` on struct-typed
/// objects accepts them and still shuts G-4…G-8.
struct MapKeyCaseVariantTests {
    private let body = #"{"Labels":{"team":"a","Team":"b"},"HostConfig":{"Privileged":false,"privileged":true}}"#

    /// The default reader refuses case variants even inside a map (conservative).
    @Test func defaultReaderRefusesCaseVariantsInMaps() {
        #expect(JSONTest.error(#"{"Labels":{"team":"a","Team":"b"}}"#) == .duplicateKey(path: "/Labels", key: "Team"))
    }

    /// With the lenient reader, the map keeps both keys and the struct-typed object reports its duplicate.
    @Test func foldedDuplicateKeyFindsStructDuplicates() throws {
        let value = try JSONTest.read(body, with: StrictJSONReader(rejectFoldedDuplicates: false))
        let labels = try #require(value.objectValue?.exactMember("Labels")?.objectValue)
        #expect(labels.keys == ["team", "Team"])
        #expect(value.objectValue?.foldedDuplicateKey() == nil)
        #expect(value.objectValue?.member("HostConfig")?.objectValue?.foldedDuplicateKey() == "privileged")
        #expect(JSONObject([("Bind\u{17F}", .null), ("BINDS", .null)]).foldedDuplicateKey() == "BINDS")
    }
}
