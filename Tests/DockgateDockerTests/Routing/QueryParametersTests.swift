import DockgateDocker
import Testing

@Suite("Query parameters read as Go's ParseQuery, FormValue and dockerd BoolValue")
struct QueryParametersTests {
    private func query(_ raw: String) throws -> QueryParameters {
        try RequestCanonicalizer.canonicalize(method: "GET", target: "/containers/abc/logs?" + raw).query
    }

    /// The first of duplicate values wins, as `FormValue`; `all` keeps every value in order (H-23).
    @Test func firstValueWins() throws {
        let parameters = try query("fromImage=first&fromImage=second&t=a&t=b")
        #expect(parameters.first("fromImage") == "first")
        #expect(parameters.all("fromImage") == ["first", "second"])
        #expect(parameters.all("t") == ["a", "b"])
        #expect(parameters.all("missing") == [])
        #expect(parameters.first("missing") == nil)
    }

    /// "+" decodes to a space and %XX once, in names and values.
    @Test func decoding() throws {
        let parameters = try query("a+b=c+d&e%3D=%2B%26&x=%2541")
        #expect(parameters.first("a b") == "c d")
        #expect(parameters.first("e=") == "+&")
        #expect(parameters.first("x") == "%41")
    }

    /// Pairs split at the first "=", empty pieces are skipped, a bare name has an empty value, as in Go.
    @Test func pairShapes() throws {
        let parameters = try query("&&a&b=&=v&c=x=y&")
        #expect(parameters.pairs.map(\.name) == ["a", "b", "", "c"])
        #expect(parameters.first("a") == "")
        #expect(parameters.contains("a"))
        #expect(parameters.contains("b"))
        #expect(!parameters.contains("d"))
        #expect(parameters.first("") == "v")
        #expect(parameters.first("c") == "x=y")
    }

    /// Names compare byte for byte: case matters, and KELVIN SIGN is not "K" (Go map keys).
    @Test func exactNames() throws {
        let parameters = try query("Stdout=1&%E2%84%AA=1")
        #expect(!parameters.contains("stdout"))
        #expect(parameters.contains("Stdout"))
        #expect(!parameters.contains("K"))
        #expect(parameters != QueryParameters(pairs: [("Stdout", "1"), ("K", "1")]))
        #expect(parameters == QueryParameters(pairs: [("Stdout", "1"), ("\u{212A}", "1")]))
    }

    /// BoolValue: "", "0", "no", "false", "none" are false after trimming and lower-casing; "off", "n" are true; absent is false (H-25).
    @Test func boolValue() throws {
        let parameters = try query(
            "off=off&n=n&No=No&empty=&zero=0&FALSE=FALSE&none=%20None%09&yes=1&two=2&nbsp=%C2%A0no%C2%A0&kelvin=%E2%84%AA&x=true")
        #expect(parameters.bool("off"))
        #expect(parameters.bool("n"))
        #expect(!parameters.bool("No"))
        #expect(!parameters.bool("empty"))
        #expect(!parameters.bool("zero"))
        #expect(!parameters.bool("FALSE"))
        #expect(!parameters.bool("none"))
        #expect(!parameters.bool("absent"))
        #expect(!parameters.bool("nbsp"))
        #expect(parameters.bool("yes"))
        #expect(parameters.bool("two"))
        #expect(parameters.bool("kelvin"))
        #expect(parameters.bool("x"))
    }

    /// The stdout examples of THREATS H-25: `off` true, `No` false, empty false, absent false; the first value decides.
    @Test func stdoutExamples() throws {
        #expect(try query("stdout=off").bool("stdout"))
        #expect(try !query("stdout=No").bool("stdout"))
        #expect(try !query("stdout=").bool("stdout"))
        #expect(try !query("stderr=1").bool("stdout"))
        #expect(try !query("stdout=0&stdout=1").bool("stdout"))
        #expect(try query("stdout=1&stdout=0").bool("stdout"))
    }

    /// A query can be parsed on its own with the same rules, for bodies read as forms elsewhere.
    @Test func standaloneParsing() throws {
        #expect(try QueryParameters(rawQuery: "a=1&a=2").first("a") == "1")
        #expect(throws: RequestTargetError.semicolonInQuery) { try QueryParameters(rawQuery: "a=1;b") }
        #expect(throws: RequestTargetError.invalidPercentEncoding) { try QueryParameters(rawQuery: "a=%x1") }
    }
}
