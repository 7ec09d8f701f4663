/// The media type of a `Content-Type` value as Go's `mime.ParseMediaType` returns it to
/// net/http's `parsePostForm`, which decides whether dockerd merges a body into the query:
/// the text before the first `;`, lower-cased and trimmed; an absent or empty header counts as
/// `application/octet-stream` (RFC 9110 §8.3). Go returns that type even when the parameters
/// after it are malformed, so they are not looked at.
///
/// Request heads carry ASCII values only (`RequestHeadParser` refuses the rest), where Go's
/// Unicode `TrimSpace` and `ToLower` agree with the ASCII rules used here.
public enum MediaType {
    public static let formURLEncoded = "application/x-www-form-urlencoded"
    public static let multipartForm = "multipart/form-data"

    public static func goMediaType(ofContentType value: String?) -> String {
        let bytes = Array((value ?? "").utf8)
        guard !bytes.isEmpty else { return "application/octet-stream" }
        let end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        let lowered = bytes[..<end].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        // Go's unicode.IsSpace, ASCII part: \t \n \v \f \r and space.
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
        guard let first = lowered.firstIndex(where: { !isSpace($0) }), let last = lowered.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: lowered[first...last], as: UTF8.self)
    }

    /// Whether dockerd would read a body with this `Content-Type` as form fields (merged into
    /// the query by `ParseForm`, or by `ParseMultipartForm`).
    public static func isForm(contentType value: String?) -> Bool {
        let type = goMediaType(ofContentType: value)
        return type.utf8.elementsEqual(formURLEncoded.utf8) || type.utf8.elementsEqual(multipartForm.utf8)
    }
}
