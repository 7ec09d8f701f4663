import DockgateDocker
import Testing

@Suite("Request targets dockerd could read another way are rejected")
struct RequestTargetRejectionTests {
    /// Only the seven upper-case methods dockerd can route are accepted; CONNECT, TRACE and lower case are refused (H-21).
    @Test func methods() {
        #expect(RoutingTest.rejection("post", "/containers/create") == .invalidMethod("post"))
        #expect(RoutingTest.rejection("CONNECT", "/containers/create") == .invalidMethod("CONNECT"))
        #expect(RoutingTest.rejection("TRACE", "/_ping") == .invalidMethod("TRACE"))
        #expect(RoutingTest.rejection("Get", "/_ping") == .invalidMethod("Get"))
        #expect(RoutingTest.rejection("", "/_ping") == .invalidMethod(""))
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
            #expect(RoutingTest.rejection(method, "/_ping") == nil)
        }
    }

    /// Absolute-form, asterisk-form and empty targets are not origin-form (H-17).
    @Test func notOriginForm() {
        #expect(RoutingTest.rejection("POST", "http://x/v1.41/containers/create") == .notOriginForm)
        #expect(RoutingTest.rejection("OPTIONS", "*") == .notOriginForm)
        #expect(RoutingTest.rejection("GET", "") == .notOriginForm)
        #expect(RoutingTest.rejection("GET", "containers/json") == .notOriginForm)
    }

    /// A "#" anywhere is refused, because Go keeps it in the path and parses a query after it (H-26).
    @Test func fragment() {
        #expect(RoutingTest.rejection("GET", "/_ping#x") == .fragment)
        #expect(RoutingTest.rejection("GET", "/containers/json?all=1#x") == .fragment)
    }

    /// Raw control bytes, space, DEL and non-ASCII bytes in the target are refused (H-26).
    @Test func rawControlCharacters() {
        #expect(RoutingTest.rejection("GET", "/_ping\u{0}") == .controlCharacter)
        #expect(RoutingTest.rejection("GET", "/containers/a b/json") == .controlCharacter)
        #expect(RoutingTest.rejection("GET", "/containers/json?x=\t") == .controlCharacter)
        #expect(RoutingTest.rejection("GET", "/containers/\u{7F}/json") == .controlCharacter)
        #expect(RoutingTest.rejection("GET", "/containers/é/json") == .controlCharacter)
    }

    /// A ";" in the query is refused: 400 on some handlers, a silently dropped pair on others (H-24).
    @Test func semicolonInQuery() {
        #expect(RoutingTest.rejection("GET", "/containers/json?a=1;b=2") == .semicolonInQuery)
        #expect(RoutingTest.rejection("GET", "/containers/json?;") == .semicolonInQuery)
        #expect(RoutingTest.rejection("GET", "/containers/json?a=%3B") == nil)
    }

    /// Malformed escapes in the path or query, and escapes that decode to non-UTF-8 bytes, are refused.
    @Test func invalidPercentEncoding() {
        #expect(RoutingTest.rejection("GET", "/containers/a%zz/json") == .invalidPercentEncoding)
        #expect(RoutingTest.rejection("GET", "/containers/a%4/json") == .invalidPercentEncoding)
        #expect(RoutingTest.rejection("GET", "/containers/a%") == .invalidPercentEncoding)
        #expect(RoutingTest.rejection("GET", "/containers/json?all=%") == .invalidPercentEncoding)
        #expect(RoutingTest.rejection("GET", "/containers/json?a%G0=1") == .invalidPercentEncoding)
        #expect(RoutingTest.rejection("GET", "/containers/%FF/json") == .invalidPercentEncoding)
        #expect(RoutingTest.rejection("POST", "/images/create?fromImage=busybox%FF") == .invalidPercentEncoding)
    }

    /// An encoded "/" is refused: Go decodes it into a separator before gorilla routes (H-18).
    @Test func encodedSlash() {
        #expect(RoutingTest.rejection("POST", "/containers%2Fcreate") == .encodedSlash)
        #expect(RoutingTest.rejection("POST", "/v1.41/c%6Fntainers%2fcreate") == .encodedSlash)
        #expect(RoutingTest.rejection("DELETE", "/images/library%2Fbusybox") == .encodedSlash)
    }

    /// An encoded NUL or other control byte in the path is refused (H-18, H-26).
    @Test func encodedControlBytes() {
        #expect(RoutingTest.rejection("GET", "/containers/a%00/json") == .encodedNUL)
        #expect(RoutingTest.rejection("GET", "/containers/a%0A/json") == .controlCharacter)
        #expect(RoutingTest.rejection("GET", "/containers/a%7f/json") == .controlCharacter)
    }

    /// "//", "." and ".." segments are refused, raw or encoded: gorilla redirects them with 301 (H-19).
    @Test func nonCleanPaths() {
        #expect(RoutingTest.rejection("POST", "/containers/./create") == .nonCleanPath)
        #expect(RoutingTest.rejection("POST", "/containers//create") == .nonCleanPath)
        #expect(RoutingTest.rejection("POST", "/x/../containers/create") == .nonCleanPath)
        #expect(RoutingTest.rejection("POST", "//containers/create") == .nonCleanPath)
        #expect(RoutingTest.rejection("GET", "/..") == .nonCleanPath)
        #expect(RoutingTest.rejection("POST", "/containers/%2e%2e/create") == .encodedDot)
        #expect(RoutingTest.rejection("POST", "/containers/%2E/create") == .encodedDot)
        #expect(RoutingTest.rejection("GET", "/images/busybox%2elatest/json") == .encodedDot)
    }

    /// A trailing "/" is refused on anything but the root (H-21).
    @Test func trailingSlash() {
        #expect(RoutingTest.rejection("POST", "/containers/create/") == .trailingSlash)
        #expect(RoutingTest.rejection("GET", "/v1.41/") == .trailingSlash)
        #expect(RoutingTest.rejection("GET", "/") == nil)
    }

    /// An encoded byte in a fixed segment is refused even though dockerd would route it (H-18).
    @Test func encodedFixedSegments() {
        #expect(RoutingTest.rejection("POST", "/v1.41/c%6Fntainers/create") == .encodedFixedSegment("containers"))
        #expect(RoutingTest.rejection("POST", "/containers/cr%65ate") == .encodedFixedSegment("create"))
        #expect(RoutingTest.rejection("POST", "/containers/abc/st%61rt") == .encodedFixedSegment("start"))
        #expect(RoutingTest.rejection("GET", "/images/busybox/%6Ason") == .encodedFixedSegment("json"))
        #expect(RoutingTest.rejection("GET", "/%76%31.41/info") == .encodedFixedSegment("v1.41"))
        #expect(RoutingTest.rejection("GET", "/v1%2E41/info") == .encodedDot)
        #expect(RoutingTest.rejection("GET", "/%761.41/info") == .encodedFixedSegment("v1.41"))
        #expect(RoutingTest.rejection("GET", "/d%65bug/vars") == .encodedFixedSegment("debug"))
        #expect(RoutingTest.rejection("GET", "/%5Fping") == .encodedFixedSegment("_ping"))
    }

    /// An encoded segment that decodes to a fixed word is fixed where gorilla reads it so (`/containers/json`, H-18).
    @Test func encodedSegmentDecodingToFixedWord() {
        #expect(RoutingTest.rejection("GET", "/containers/%6Ason") == .encodedFixedSegment("json"))
        #expect(RoutingTest.rejection("POST", "/containers/%63reate") == .encodedFixedSegment("create"))
    }

    /// Version prefixes dockerd reads numerically but ambiguously are refused (H-20).
    @Test func invalidAPIVersions() {
        #expect(RoutingTest.rejection("GET", "/v1.041/info") == .invalidAPIVersion("v1.041"))
        #expect(RoutingTest.rejection("GET", "/v1.41.0/info") == .invalidAPIVersion("v1.41.0"))
        #expect(RoutingTest.rejection("GET", "/v1/info") == .invalidAPIVersion("v1"))
        #expect(RoutingTest.rejection("GET", "/v.41/info") == .invalidAPIVersion("v.41"))
        #expect(RoutingTest.rejection("GET", "/v01.41/info") == .invalidAPIVersion("v01.41"))
        #expect(RoutingTest.rejection("GET", "/v1./info") == .invalidAPIVersion("v1."))
        #expect(RoutingTest.rejection("GET", "/v99999999999.1/info") == .invalidAPIVersion("v99999999999.1"))
    }

    /// Every error has a non-empty one-line message, and client text in it is clipped.
    @Test func messages() {
        let errors: [RequestTargetError] = [
            .invalidMethod(String(repeating: "X", count: 500)), .notOriginForm, .fragment, .semicolonInQuery,
            .invalidPercentEncoding, .encodedSlash, .encodedNUL, .encodedDot, .controlCharacter, .nonCleanPath,
            .trailingSlash, .encodedFixedSegment("containers"), .invalidAPIVersion("v1.041"),
        ]
        for error in errors {
            #expect(!error.message.isEmpty)
            #expect(!error.message.contains("\n"))
            #expect(error.message.count < 200)
        }
        #expect(RequestTargetError.semicolonInQuery.message == "invalid semicolon separator in query")
    }
}
