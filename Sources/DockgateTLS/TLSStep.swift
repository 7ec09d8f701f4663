/// What one call into a TLS session achieved. `wantsRead`/`wantsWrite` are states, not failures:
/// either can come from any call (SSL_get_error(3)), and the caller waits for that readiness.
public enum TLSStep<T> {
    case complete(T)
    case wantsRead
    case wantsWrite
    /// The peer sent close_notify, or closed TCP cleanly at a record boundary.
    case closedByPeer
    case failed(TLSSessionError)
}

/// Why a TLS session failed; after any of these the session must not be shut down gracefully.
public enum TLSSessionError: Error, CustomStringConvertible, Sendable {
    case setupFailed(OpenSSLErrorStack)
    case handshakeFailed(reason: String, OpenSSLErrorStack)
    case protocolFailure(OpenSSLErrorStack)
    case connectionFailed(errno: Int32)

    public var description: String {
        switch self {
        case .setupFailed(let stack): "TLS session setup failed: \(stack)"
        case .handshakeFailed(let reason, let stack): "TLS handshake failed: \(reason) (\(stack))"
        case .protocolFailure(let stack): "TLS failure: \(stack)"
        case .connectionFailed(let errno): "TLS connection failed: errno \(errno)"
        }
    }
}
