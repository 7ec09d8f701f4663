#if canImport(Glibc)
import Glibc
#endif
internal import COpenSSL
internal import COpenSSLShims

/// A TLS client over a non-blocking descriptor, made with OpenSSL directly (not with the code under
/// test), so a test can drive it and a server session step by step from one thread over the two
/// ends of a socket pair. Failures drain OpenSSL's (per-thread) error queue into `.failed`, so a
/// test can tell whether the server side left anything behind.
public final class TLSTestClient {
    public enum Step: Equatable, CustomStringConvertible {
        case complete(Int)
        case wantsRead
        case wantsWrite
        /// close_notify received.
        case closed
        case failed(String)

        public var description: String {
            switch self {
            case .complete(let count): "complete(\(count))"
            case .wantsRead: "wantsRead"
            case .wantsWrite: "wantsWrite"
            case .closed: "closed"
            case .failed(let reason): "failed(\(reason))"
            }
        }
    }

    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    private let context: OpaquePointer
    private let ssl: OpaquePointer

    /// A client presenting `certificate`/`key` and trusting only `caCertificate` for the server.
    public init(fd: Int32, certificate: String, key: String, trusting caCertificate: String) throws {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Self.setupError("SSL_CTX_new") }
        guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1,
            SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1,
            SSL_CTX_load_verify_locations(context, caCertificate, nil) == 1
        else {
            SSL_CTX_free(context)
            throw Self.setupError("loading \(certificate), \(key), \(caCertificate)")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        // The same write semantics as the server side: one record per successful partial write.
        _ = COpenSSLShims_SSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        guard let ssl = SSL_new(context), SSL_set_fd(ssl, fd) == 1 else {
            SSL_CTX_free(context)
            throw Self.setupError("SSL_new")
        }
        SSL_set_connect_state(ssl)
        self.context = context
        self.ssl = ssl
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    public func handshake() -> Step {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        return result == 1 ? .complete(0) : classify(result)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> Step {
        ERR_clear_error()
        var count = 0
        return SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count) == 1 ? .complete(count) : classify(0)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Step {
        ERR_clear_error()
        var count = 0
        return SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 ? .complete(count) : classify(0)
    }

    /// Sends close_notify (without waiting for the server's).
    public func sendCloseNotify() -> Step {
        ERR_clear_error()
        let result = SSL_shutdown(ssl)
        return result >= 0 ? .complete(0) : classify(result)
    }

    /// Whether the calling thread's OpenSSL error queue is empty (ERR_peek_error(3)).
    public static var errorQueueIsEmpty: Bool { ERR_peek_error() == 0 }

    private func classify(_ result: Int32) -> Step {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantsRead
        case SSL_ERROR_WANT_WRITE: return .wantsWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case let code:
            let reasons = Self.drainErrors()
            return .failed(reasons.isEmpty ? "SSL_get_error \(code), errno \(errno)" : reasons.joined(separator: "; "))
        }
    }

    private static func drainErrors() -> [String] {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons
    }

    private static func setupError(_ what: String) -> SetupError {
        SetupError(description: "\(what): \(drainErrors().joined(separator: "; "))")
    }
}
