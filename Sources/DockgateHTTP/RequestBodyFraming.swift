/// How the end of a request body is found (RFC 9112 §6.3, rules 4–6 for requests).
public enum RequestBodyFraming: Equatable, Sendable {
    /// Neither `Content-Length` nor `Transfer-Encoding`: the request has no body.
    case none
    case contentLength(UInt64)
    case chunked
}
