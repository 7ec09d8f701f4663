#if canImport(Glibc)
import Glibc
#endif

/// A libsystemd `sd_journal_*` read call that failed; the errno comes from its negative return.
public enum JournalReadError: Error, Equatable, Sendable, CustomStringConvertible {
    case open(what: String, errno: Int32)
    case call(String, errno: Int32)

    public var description: String {
        switch self {
        case .open(let what, let errno): "cannot open the journal (\(what)): \(SystemdError.message(errno))"
        case .call(let name, let errno): "\(name): \(SystemdError.message(errno))"
        }
    }
}
