import DockgateDocker
import Testing

@Suite("Request targets dockerd could read another way are rejected")
struct RequestTargetRejectionTests {
    /// Only the seven upper-case methods dockerd can route are accepted; CONNECT, TRACE and lower case are refused (H-21).
    @Test func methods() {
        #expect(rejection("post", "/containers/create") == .invalidMethod("post"))
        #expect(rejection("CONNECT", "/containers/create") == .invalidMethod("CONNECT"))
        #expect(rejection("TRACE", "/_ping") == .invalidMethod("TRACE"))
        #expect(rejection("Get", "/_ping") == .invalidMethod("Get"))
        #expect(rejection("", "/_ping") == .invalidMethod(""))
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
            #expect(rejection(method, "/_ping") == nil)
        }
    }

    /// Absolute-form, asterisk-form and empty targets are not origin-form (H-17).
    @Test func notOriginForm() {
        #expect(rejection("POST", "http://x/v1.41/containers/create") == .notOriginForm)
        #expect(rejection("OPTIONS", "*") == .notOriginForm)
        #expect(rejection("GET", "") == .notOriginForm)
        #expect(rejection("GET", "containers/json") == .notOriginForm)
    }

    /// A "#" anywhere is refused, because Go keeps it in the path and parses a query after it (H-26).
    @Test func fragment() {
        #expect(rejection("GET", "/_ping#x") == .fragment)
        #expect(rejection("GET", "/containers/json?all=1#x") == .fragment)
    }

    /// Raw control bytes, space, DEL and non-ASCII bytes in the target are refused (H-26).
    @Test func rawControlCharacters() {
        #expect(rejection("GET", "/_ping\u{0}") == .controlCharacter)
        #expect(rejection("GET", "/containers/a b/json") == .controlCharacter)
        #expect(rejection("GET", "/containers/json?x=\t") == .controlCharacter)
        #expect(rejection("GET", "/containers/\u{7F}/json") == .controlCharacter)
        #expect(rejection("GET", "/containers/é/json") == .controlCharacter)
    }

    /// A ";" in the query is refused: 400 on some handlers, a silently dropped pair on others (H-24).
    @Test func semicolonInQuery() {
        #expect(rejection("GET", "/containers/json?a=1;b=2") == .semicolonInQuery)
        #expect(rejection("GET", "/containers/json?;") == .semicolonInQuery)
        #expect(rejection("GET", "/containers/json?a=%3B") == nil)
    }

    /// Malformed escapes in the path or query, and escapes that decode to non-UTF-8 bytes, are refused.
    @Test func invalidPercentEncoding() {
        #expect(rejection("GET", "/containers/a%zz/json") == .invalidPercentEncoding)
        #expect(rejection("GET", "/containers/a%4/json") == .invalidPercentEncoding)
        #expect(rejection("GET", "/containers/a%") == .invalidPercentEncoding)
        #expect(rejection("GET", "/containers/json?all=%") == .invalidPercentEncoding)
        #expect(rejection("GET", "/containers/json?a%G0=1") == .invalidPercentEncoding)
        #expect(rejection("GET", "/containers/%FF/json") == .invalidPercentEncoding)
        #expect(rejection("POST", "/images/create?fromImage=busybox%FF") == .invalidPercentEncoding)
    }

    /// An encoded "/" is refused: Go decodes it into a separator before gorilla routes (H-18).
    @Test func encodedSlash() {
        #expect(rejection("POST", "/containers%2Fcreate") == .encodedSlash)
        #expect(rejection("POST", "/v1.41/c%6Fntainers%2fcreate") == .encodedSlash)
        #expect(rejection("DELETE", "/images/library%2Fbusybox") == .encodedSlash)
    }

    /// An encoded NUL or other control byte in the path is refused (H-18, H-26).
    @Test func encodedControlBytes() {
        #expect(rejection("GET", "/containers/a%00/json") == .encodedNUL)
        #expect(rejection("GET", "/containers/a%0A/json") == .controlCharacter)
        #expect(rejection("GET", "/containers/a%7f/json") == .controlCharacter)
    }

    /// "//", "." and ".." segments are refused, raw or encoded: gorilla redirects them with 301 (H-19).
    @Test func nonCleanPaths() {
        #expect(rejection("POST", "/containers/./create") == .nonCleanPath)
        #expect(rejection("POST", "/containers//create") == .nonCleanPath)
        #expect(rejection("POST", "/x/../containers/create") == .nonCleanPath)
        #expect(rejection("POST", "//containers/create") == .nonCleanPath)
        #expect(rejection("GET", "/..") == .nonCleanPath)
        #expect(rejection("POST", "/containers/%2e%2e/create") == .encodedDot)
        #expect(rejection("POST", "/containers/%2E/create") == .encodedDot)
        #expect(rejection("GET", "/images/busybox%2elatest/json") == .encodedDot)
    }

    /// A trailing "/" is refused on anything but the root (H-21).
    @Test func trailingSlash() {
        #expect(rejection("POST", "/containers/create/") == .trailingSlash)
        #expect(rejection("GET", "/v1.41/") == .trailingSlash)
        #expect(rejection("GET", "/") == nil)
    }

    /// An encoded byte in a fixed segment is refused even though dockerd would route it (H-18).
    @Test func encodedFixedSegments() {
        #expect(rejection("POST", "/v1.41/c%6Fntainers/create") == .encodedFixedSegment("containers"))
        #expect(rejection("POST", "/containers/cr%65ate") == .encodedFixedSegment("create"))
        #expect(rejection("POST", "/containers/abc/st%61rt") == .encodedFixedSegment("start"))
        #expect(rejection("GET", "/images/busybox/%6Ason") == .encodedFixedSegment("json"))
        #expect(rejection("GET", "/%76%31.41/info") == .encodedFixedSegment("v1.41"))
        #expect(rejection("GET", "/v1%2E41/info") == .encodedDot)
        #expect(rejection("GET", "/%761.41/info") == .encodedFixedSegment("v1.41"))
        #expect(rejection("GET", "/d%65bug/vars") == .encodedFixedSegment("debug"))
        #expect(rejection("GET", "/%5Fping") == .encodedFixedSegment("_ping"))
    }

    /// An encoded segment that decodes to a fixed word is fixed where gorilla reads it so (`/containers/json`, H-18).
    @Test func encodedSegmentDecodingToFixedWord() {
        #expect(rejection("GET", "/containers/%6Ason") == .encodedFixedSegment("json"))
        #expect(rejection("POST", "/containers/%63reate") == .encodedFixedSegment("create"))
    }

    /// Version prefixes dockerd reads numerically but ambiguously are refused (H-20).
    @Test func invalidAPIVersions() {
        #expect(rejection("GET", "/v1.041/info") == .invalidAPIVersion("v1.041"))
        #expect(rejection("GET", "/v1.41.0/info") == .invalidAPIVersion("v1.41.0"))
        #expect(rejection("GET", "/v1/info") == .invalidAPIVersion("v1"))
        #expect(rejection("GET", "/v.41/info") == .invalidAPIVersion("v.41"))
        #expect(rejection("GET", "/v01.41/info") == .invalidAPIVersion("v01.41"))
        #expect(rejection("GET", "/v1./info") == .invalidAPIVersion("v1."))
        #expect(rejection("GET", "/v99999999999.1/info") == .invalidAPIVersion("v99999999999.1"))
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
