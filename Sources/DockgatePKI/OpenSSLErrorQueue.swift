internal import COpenSSL

/// Helpers for OpenSSL's thread-local error queue.
///
/// Call sites run `clear()` before a sequence of OpenSSL calls, so a stale entry left by some
/// earlier caller cannot be blamed on this one, and `failure(_:)` right where a call fails, so the
/// thrown error carries the text of exactly that failure.
enum OpenSSLErrorQueue {
    static func clear() {
        ERR_clear_error()
    }

    /// Drains the queue into a `PKIError` naming the failed `operation`.
    static func failure(_ operation: String) -> PKIError {
        .openSSL(operation: operation, details: drain())
    }

    /// Empties the queue and returns its entries, oldest first, joined with "; ".
    static func drain() -> String {
        var messages: [String] = []
        while true {
            var file: UnsafePointer<CChar>?
            var line: Int32 = 0
            var function: UnsafePointer<CChar>?
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(&file, &line, &function, &data, &flags)
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            var message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if let data, flags & ERR_TXT_STRING != 0, data.pointee != 0 {
                message += " (\(String(cString: data)))"
            }
            messages.append(message)
        }
        return messages.isEmpty ? "no OpenSSL error was reported" : messages.joined(separator: "; ")
    }
}
