#if canImport(Glibc)
import Glibc
#endif

/// Why a journal entry was not handed to journald.
public enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidFieldName(String, reason: String)
    /// An entry needs at least one field.
    case empty
    /// The journal socket does not exist. libsystemd reports success in that case (journal-send.c:
    /// "Fail silently if the journal is not available"), which an audit trail must not accept.
    case notRunning(socketPath: String)
    /// `sd_journal_sendv` returned `-errno` (`ECONNREFUSED` when nobody reads the socket, …).
    case sendFailed(errno: Int32)

    public var description: String {
        switch self {
        case .invalidFieldName(let name, let reason):
            "invalid journal field name \"\(name)\": \(reason)"
        case .empty:
            "a journal entry needs at least one field"
        case .notRunning(let path):
            "journald is not running (no socket at \(path))"
        case .sendFailed(let errno):
            "sd_journal_sendv: \(String(cString: strerror(errno)))"
        }
    }
}
