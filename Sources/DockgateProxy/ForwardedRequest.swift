import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgatePolicy

/// A request as forwarded after the tenancy step changed it: the object in the path replaced by
/// the full ID judged, query parameters set (owner filter, resolved names), the body replaced
/// (owner labels stamped). The head is written anew from the parsed one; every header the client
/// sent is kept except the body's framing, which is recomputed for the new body.
struct ForwardedRequest {
    let headBytes: [UInt8]
    let body: [UInt8]?

    init(head: RequestHead, request: CanonicalRequest, rewrite: TenancyRewrite) {
        let body = rewrite.body?.serialized()
        var lines = "\(head.method) \(Self.target(head.target, request: request, rewrite: rewrite)) HTTP/1.1\r\n"
        let headers = body == nil ? head.headers : head.headers.removing("Content-Length", "Transfer-Encoding")
        for field in headers.fields {
            lines += "\(field.name): \(field.value)\r\n"
        }
        if let body {
            if !head.headers.contains("Content-Type") { lines += "Content-Type: application/json\r\n" }
            lines += "Content-Length: \(body.count)\r\n"
        }
        lines += "\r\n"
        self.headBytes = Array(lines.utf8)
        self.body = body
    }

    /// The original target with the object segment replaced and the query rebuilt when it changed.
    /// Tracked objects are always the segment after the group's name (`/containers/{id}/…`).
    static func target(_ original: String, request: CanonicalRequest, rewrite: TenancyRewrite) -> String {
        let bytes = Array(original.utf8)
        let questionMark = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        var path = String(decoding: bytes[..<questionMark], as: UTF8.self)
        var query = questionMark < bytes.endIndex ? String(decoding: bytes[(questionMark + 1)...], as: UTF8.self) : nil
        if let id = rewrite.pathObjectID {
            var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let index = 2 + (request.apiVersion == nil ? 0 : 1)  // "", [vX.Y,] group, {id}
            if index < segments.count { segments[index] = percentEncoded(id) }
            path = segments.joined(separator: "/")
        }
        if !rewrite.query.isEmpty {
            let replaced = rewrite.query.map(\.name)
            var pairs = request.query.pairs.filter { pair in !replaced.contains { $0.hasSameBytes(as: pair.name) } }
            pairs += rewrite.query.map { (name: $0.name, value: $0.value) }
            query = pairs.map { percentEncoded($0.name) + "=" + percentEncoded($0.value) }.joined(separator: "&")
        }
        return query.map { path + "?" + $0 } ?? path
    }

    /// Everything but unreserved characters percent-encoded (RFC 3986 §2.3): Go decodes it back
    /// to exactly these bytes, in a path segment and in a query value alike.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
            }
        }
        return out
    }
}
