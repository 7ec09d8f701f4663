internal import COpenSSL

/// The entries of this thread's OpenSSL error queue, drained into a value at the call that failed.
///
/// SSL_get_error(3): the queue must be empty before an I/O call and is read on the same thread,
/// so every call site clears before and drains after, inside one Dispatch block. Entries left
/// behind would be blamed on the next connection that runs on this worker thread.
public struct OpenSSLErrorStack: Error, Sendable, CustomStringConvertible, Equatable {
    public var messages: [String]
    /// OpenSSL reason codes, in order (library-specific; used to recognise expected failures).
    public var reasons: [Int32]

    public init(messages: [String], reasons: [Int32] = []) {
        self.messages = messages
        self.reasons = reasons
    }

    /// Empties the current thread's queue into a value.
    static func drain() -> OpenSSLErrorStack {
        var messages: [String] = []
        var reasons: [Int32] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            reasons.append(ERR_GET_REASON(code))
        }
        return OpenSSLErrorStack(messages: messages, reasons: reasons)
    }

    public var description: String {
        messages.isEmpty ? "no OpenSSL error detail" : messages.joined(separator: "; ")
    }
}

/// Why a server TLS context could not be built.
public enum TLSConfigurationError: Error, CustomStringConvertible {
    case cannotLoad(what: String, path: String, OpenSSLErrorStack)
    case invalidSetting(String, OpenSSLErrorStack)

    public var description: String {
        switch self {
        case .cannotLoad(let what, let path, let stack): "cannot load \(what) from \(path): \(stack)"
        case .invalidSetting(let what, let stack): "cannot apply TLS setting \(what): \(stack)"
        }
    }
}
