import DockgateDocker

/// What the engine knows of a request before its body: the canonical request and how the body is framed.
public struct RequestFacts: Sendable, Equatable {
    public var request: CanonicalRequest
    /// Content-Length, or nil for chunked (unknown length) or no body.
    public var contentLength: UInt64?
    public var isChunked: Bool
    /// The first `Content-Type` value as sent (the one Go reads), or nil when there is none.
    public var contentType: String?

    public init(request: CanonicalRequest, contentLength: UInt64?, isChunked: Bool, contentType: String?) {
        self.request = request
        self.contentLength = contentLength
        self.isChunked = isChunked
        self.contentType = contentType
    }

    public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }
}
