import DockgateHTTP
import Testing

@Suite("HTTPHeaders lookups")
struct HTTPHeadersTests {
    let headers = HTTPHeaders([
        (name: "X-Meta-A", value: "1"),
        (name: "Accept", value: "*/*"),
        (name: "x-meta-a", value: "2"),
    ])

    /// Lookups ignore ASCII case and return every value in the order received.
    @Test func caseInsensitiveLookups() {
        #expect(headers.values("X-META-A") == ["1", "2"])
        #expect(headers.first("x-Meta-a") == "1")
        #expect(headers.contains("accept"))
        #expect(!headers.contains("Accep"))
        #expect(headers.first("Missing") == nil)
        #expect(headers.values("Missing").isEmpty)
    }

    /// Equality compares names as sent, values and order.
    @Test func equality() {
        #expect(headers == HTTPHeaders(headers.fields))
        #expect(headers != HTTPHeaders(headers.fields.reversed()))
        #expect(HTTPHeaders([(name: "A", value: "1")]) != HTTPHeaders([(name: "a", value: "1")]))
        #expect(HTTPHeaders() == HTTPHeaders([]))
    }

    /// Case folding is ASCII only: a non-ASCII letter never matches its ASCII look-alike.
    @Test func asciiOnlyFolding() {
        let kelvin = HTTPHeaders([(name: "\u{212A}ey", value: "v")])
        #expect(!kelvin.contains("key"))
    }
}
