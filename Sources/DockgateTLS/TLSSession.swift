#if canImport(Glibc)
import Glibc
#endif
internal import COpenSSL
internal import COpenSSLShims
import DockgateCore

/// One server-side TLS connection (one `SSL *` over a non-blocking socket).
///
/// Not thread-safe: every call, its `SSL_get_error` and the error-queue drain happen in one
/// block on the owning connection's serial queue (DESIGN-NOTES §2.2).
public final class TLSSession {
    let ssl: OpaquePointer
    /// Set after SSL_ERROR_SSL/SYSCALL, when SSL_shutdown(3) must no longer be called.
    public private(set) var hasFailed = false
    private var hasSentCloseNotify = false

    init(ssl: OpaquePointer) { self.ssl = ssl }

    deinit {
        releaseRejectedLeaf()
        SSL_free(ssl)
    }

    public func handshake() -> TLSStep<Void> {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .complete(()) }
        return classify(result, duringHandshake: true)
    }

    /// Decrypts into `buffer`. `.complete(n)` always has n > 0.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TLSStep<Int> {
        ERR_clear_error()
        var count = 0
        if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return .complete(count) }
        return classify(0, duringHandshake: false)
    }

    /// Encrypts and sends as much of `bytes` as the socket takes now (partial writes are on).
    /// After `wantsRead`/`wantsWrite` the caller retries with the same bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) -> TLSStep<Int> {
        ERR_clear_error()
        var count = 0
        if SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count) == 1 { return .complete(count) }
        return classify(0, duringHandshake: false)
    }

    /// Sends our close_notify once. Returns `.complete` once it has been written; we do not wait
    /// for the peer's (the lingering close drains the socket instead).
    public func sendCloseNotify() -> TLSStep<Void> {
        guard !hasFailed else { return .complete(()) }
        ERR_clear_error()
        let result = SSL_shutdown(ssl)
        if result >= 0 {
            hasSentCloseNotify = true
            return .complete(())
        }
        return classify(result, duringHandshake: false)
    }

    /// Decrypted bytes (or whole records) already inside OpenSSL, which no readiness event will
    /// announce (curl#17601): drain them before waiting on the socket again.
    public var hasBufferedInput: Bool { SSL_has_pending(ssl) == 1 }

    /// The negotiated protocol, e.g. "TLSv1.3".
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    private func classify<T>(_ result: Int32, duringHandshake: Bool) -> TLSStep<T> {
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ:
            return .wantsRead
        case SSL_ERROR_WANT_WRITE:
            return .wantsWrite
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error()
            return .closedByPeer
        case SSL_ERROR_SYSCALL:
            let savedErrno = errno
            let stack = OpenSSLErrorStack.drain()
            hasFailed = true
            if stack.messages.isEmpty && savedErrno == 0 { return .closedByPeer }
            if duringHandshake {
                return .failed(.handshakeFailed(reason: verifyFailureReason ?? "connection closed during handshake", stack))
            }
            return .failed(.connectionFailed(errno: savedErrno))
        default:
            let stack = OpenSSLErrorStack.drain()
            hasFailed = true
            if duringHandshake {
                return .failed(.handshakeFailed(reason: verifyFailureReason ?? stack.description, stack))
            }
            return .failed(.protocolFailure(stack))
        }
    }
}
