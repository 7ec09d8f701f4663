/// Reads a request line exactly as dockerd does (Go `net/http` parses the target, gorilla/mux
/// cleans and routes `URL.Path`), or rejects any target that could be read two ways
/// (THREATS H-18…H-26, L-04…L-06; PROTOCOL §7.2).
///
/// Order of the checks: method; origin-form; raw bytes (`#`, CTL, space, non-ASCII); the path
/// split on "/" before decoding (empty, `.`, `..` segments, trailing "/"); each segment decoded
/// once (`%2F`, `%00`, `%2E`, decoded CTL, bad escapes); the `/vX.Y` prefix; the query; the
/// route, whose fixed segments must not have been percent-encoded.
public enum RequestCanonicalizer {
    /// The methods dockerd can route; anything else, including `CONNECT`, `TRACE` and lower
    /// case, is refused (H-21).
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]

    public static func canonicalize(method: String, target: String) throws(RequestTargetError) -> CanonicalRequest {
        guard methods.contains(where: { $0.utf8.elementsEqual(method.utf8) }) else { throw .invalidMethod(method) }
        let bytes = Array(target.utf8)
        guard bytes.first == UInt8(ascii: "/") else { throw .notOriginForm }
        for byte in bytes {
            if byte == UInt8(ascii: "#") { throw .fragment }
            if byte <= 0x20 || byte >= 0x7F { throw .controlCharacter }
        }
        let questionMark = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        var segments = try decodedSegments(bytes[..<questionMark])
        let apiVersion = try versionPrefix(&segments)
        let query = questionMark == bytes.endIndex
            ? QueryParameters()
            : try QueryParameters(rawQuery: String(decoding: bytes[(questionMark + 1)...], as: UTF8.self))
        if let first = segments.first, first.wasEncoded { throw .encodedFixedSegment(first.decoded) }
        let route = try classify(method: method, segments: segments)
        let path = "/" + segments.map(\.decoded).joined(separator: "/")
        return CanonicalRequest(method: method, apiVersion: apiVersion, path: path, query: query, route: route)
    }

    /// Splits the raw path on "/" before decoding (H-18) and rejects what gorilla would
    /// redirect (H-19) or not route (H-21). The root "/" has no segments.
    private static func decodedSegments(_ rawPath: ArraySlice<UInt8>) throws(RequestTargetError) -> [TargetPathSegment] {
        let raw = rawPath.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        if raw.count == 1, raw[0].isEmpty { return [] }
        for (index, segment) in raw.enumerated() {
            if segment.isEmpty { throw index == raw.count - 1 ? .trailingSlash : .nonCleanPath }
            if segment.elementsEqual(".".utf8) || segment.elementsEqual("..".utf8) { throw .nonCleanPath }
        }
        var segments: [TargetPathSegment] = []
        segments.reserveCapacity(raw.count)
        for segment in raw {
            guard let decoded = TargetPercentDecoder.decode(segment, plusAsSpace: false) else {
                throw .invalidPercentEncoding
            }
            if decoded.contains(UInt8(ascii: "/")) { throw .encodedSlash }
            if decoded.contains(0) { throw .encodedNUL }
            if decoded.contains(where: { $0 < 0x20 || $0 == 0x7F }) { throw .controlCharacter }
            if hasEncodedDot(segment) { throw .encodedDot }
            guard let text = TargetPercentDecoder.validUTF8(decoded) else { throw .invalidPercentEncoding }
            segments.append(TargetPathSegment(decoded: text, wasEncoded: segment.contains(UInt8(ascii: "%"))))
        }
        return segments
    }

    /// True when the raw segment holds `%2E`/`%2e`. No client encodes ".", an unreserved
    /// character; gorilla would redirect `%2e%2e` after decoding (H-18, H-19).
    private static func hasEncodedDot(_ segment: ArraySlice<UInt8>) -> Bool {
        var index = segment.startIndex
        while index + 2 < segment.endIndex {
            if segment[index] == UInt8(ascii: "%"), segment[index + 1] == UInt8(ascii: "2"),
               segment[index + 2] | 0x20 == UInt8(ascii: "e") {
                return true
            }
            index += 1
        }
        return false
    }

    /// Removes a leading `v[0-9.]+` segment (gorilla's `versionMatcher`) and parses it strictly
    /// as `vMAJOR.MINOR` (H-20); an encoded prefix is refused (H-18).
    private static func versionPrefix(_ segments: inout [TargetPathSegment]) throws(RequestTargetError) -> APIVersion? {
        guard let first = segments.first else { return nil }
        let utf8 = first.decoded.utf8
        guard utf8.count >= 2, utf8.first == UInt8(ascii: "v"),
              utf8.dropFirst().allSatisfy({ $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        if first.wasEncoded { throw .encodedFixedSegment(first.decoded) }
        guard let version = APIVersion(parsing: first.decoded.dropFirst()) else { throw .invalidAPIVersion(first.decoded) }
        segments.removeFirst()
        return version
    }

    /// `/debug` first (any method, always denied: L-04), then the CORS `OPTIONS` catch-all
    /// (never a read of the path: L-05), then the route table (H-22).
    private static func classify(method: String, segments: [TargetPathSegment]) throws(RequestTargetError) -> DockerRoute? {
        if let first = segments.first, first.isExactly("debug") {
            return DockerRoute(group: .system, action: .debug, isWrite: true)
        }
        if method == "OPTIONS" {
            return DockerRoute(group: .system, action: .options, isWrite: false)
        }
        guard let (route, match) = DockerRouteTable.route(method: method, segments: segments) else { return nil }
        for index in match.literalIndices where segments[index].wasEncoded {
            throw .encodedFixedSegment(segments[index].decoded)
        }
        return route
    }
}
