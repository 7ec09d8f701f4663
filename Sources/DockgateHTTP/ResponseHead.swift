/// A validated response head; the proxy forwards its `headLength` bytes unchanged.
public struct ResponseHead: Sendable, Equatable {
    public var version: HTTPVersion
    public var status: Int
    /// The reason phrase, possibly empty.
    public var reason: String
    public var headers: HTTPHeaders
    public var framing: ResponseBodyFraming
    /// Bytes of the head, including the final CRLF CRLF.
    public var headLength: Int
    /// 1xx other than 101 (e.g. 100 Continue): another head follows on the same request.
    public var isInterim: Bool
    /// `Content-Type` is `application/vnd.docker.raw-stream` (case-insensitive media type).
    public var isRawStream: Bool
    /// Whether the connection may carry another response after this one.
    public var isKeepAlive: Bool

    public init(
        version: HTTPVersion,
        status: Int,
        reason: String,
        headers: HTTPHeaders,
        framing: ResponseBodyFraming,
        headLength: Int,
        isInterim: Bool,
        isRawStream: Bool,
        isKeepAlive: Bool
    ) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.framing = framing
        self.headLength = headLength
        self.isInterim = isInterim
        self.isRawStream = isRawStream
        self.isKeepAlive = isKeepAlive
    }
}
