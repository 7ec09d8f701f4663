/// Why a request line was refused before policy: each case is a target that dockerd (Go
/// `net/http` + gorilla/mux) would read differently from a naive reader, or not route at all
/// (THREATS H-18…H-26). The proxy answers 400 with `message`.
public enum RequestTargetError: Error, Equatable, Sendable {
    /// Not one of GET HEAD POST PUT DELETE OPTIONS PATCH in upper case; `CONNECT`, `TRACE`, `post` (H-21).
    case invalidMethod(String)
    /// The target does not start with "/": absolute-form or asterisk-form (H-17).
    case notOriginForm
    /// A `#` in the target; Go keeps it in the path and parses a query after it (H-26).
    case fragment
    /// A `;` in the query: 400 on some dockerd handlers, a silently dropped pair on others (H-24).
    case semicolonInQuery
    /// A `%` not followed by two hex digits, or an escape that decodes to bytes that are not UTF-8.
    case invalidPercentEncoding
    /// `%2F` in the path: Go decodes it into a separator before gorilla routes (H-18).
    case encodedSlash
    /// `%00` in the path (H-18, H-26).
    case encodedNUL
    /// `%2E` in the path: `.`/`..` segments that gorilla would redirect after decoding (H-18, H-19).
    case encodedDot
    /// A raw control byte, space or non-ASCII byte in the target, or a decoded control byte in the path (H-26).
    case controlCharacter
    /// `//`, `/./` or `/../`: gorilla answers 301 to the clean path instead of routing (H-19).
    case nonCleanPath
    /// A trailing "/" on anything but the root: a 404 on dockerd (H-21).
    case trailingSlash
    /// A fixed path segment (version prefix, `containers`, `create`…) that was percent-encoded (H-18).
    case encodedFixedSegment(String)
    /// A version prefix that is not plain `vMAJOR.MINOR` (`v1.041`, `v1.41.0`, `v1`) (H-20).
    case invalidAPIVersion(String)

    /// A one-line explanation for the 400 response body.
    public var message: String {
        switch self {
        case .invalidMethod(let method): "unsupported request method \"\(Self.clipped(method))\""
        case .notOriginForm: "the request target must be an absolute path starting with \"/\""
        case .fragment: "the request target must not contain \"#\""
        case .semicolonInQuery: "invalid semicolon separator in query"
        case .invalidPercentEncoding: "invalid percent-encoding in the request target"
        case .encodedSlash: "encoded \"/\" (%2F) in the request path"
        case .encodedNUL: "encoded NUL (%00) in the request path"
        case .encodedDot: "encoded \".\" (%2E) in the request path"
        case .controlCharacter: "control character, space or non-ASCII byte in the request target"
        case .nonCleanPath: "the request path is not clean (\"//\", \"/./\" or \"/../\")"
        case .trailingSlash: "trailing \"/\" in the request path"
        case .encodedFixedSegment(let segment): "percent-encoded fixed path segment \"\(Self.clipped(segment))\""
        case .invalidAPIVersion(let segment): "invalid API version prefix \"\(Self.clipped(segment))\", expected /vMAJOR.MINOR"
        }
    }

    /// At most 64 characters of client-supplied text, so a message stays one short line.
    private static func clipped(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(64)) + "…"
    }
}
