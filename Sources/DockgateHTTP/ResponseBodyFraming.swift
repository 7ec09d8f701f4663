/// How the end of a response body is found (RFC 9112 §6.3).
public enum ResponseBodyFraming: Equatable, Sendable {
    /// HEAD request, 1xx other than 101, 204, 304.
    case none
    case contentLength(UInt64)
    case chunked
    /// Neither `Content-Length` nor `Transfer-Encoding` (HTTP/1.0 answers, dockerd's attach error path,
    /// legacy raw-stream): the body ends when the daemon closes the connection.
    case closeDelimited
    /// 101: the connection becomes a tunnel after the head; any `Content-Length` is ignored.
    case switchingProtocols
}
