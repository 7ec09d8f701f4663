/// A validated request head; the proxy forwards its `headLength` bytes unchanged.
public struct RequestHead: Sendable, Equatable {
    public var method: String
    /// Origin-form request-target exactly as sent (still percent-encoded), or `*` for `OPTIONS`.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: RequestBodyFraming
    /// Bytes of the head, including the final CRLF CRLF (and any leading CRLFs skipped).
    public var headLength: Int
    /// An `Upgrade` header is present: dockerd hijacks on mere presence.
    public var isUpgrade: Bool
    /// `Expect: 100-continue` (case-insensitive value).
    public var expectsContinue: Bool
    /// HTTP/1.1 without `Connection: close`; HTTP/1.0 is always false.
    public var isKeepAlive: Bool

    public init(
        method: String,
        target: String,
        version: HTTPVersion,
        headers: HTTPHeaders,
        framing: RequestBodyFraming,
        headLength: Int,
        isUpgrade: Bool,
        expectsContinue: Bool,
        isKeepAlive: Bool
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.framing = framing
        self.headLength = headLength
        self.isUpgrade = isUpgrade
        self.expectsContinue = expectsContinue
        self.isKeepAlive = isKeepAlive
    }
}
