#if canImport(Glibc)
import Glibc
#endif
import DockgateSystemd

/// Why the trail could not be read at all (a line that is not a record is skipped and counted,
/// not an error: see `ScanStatistics`).
public enum AuditReadError: Error, Equatable, Sendable, CustomStringConvertible {
    case open(path: String, errno: Int32)
    /// zlib's message: a truncated or corrupt gzip file, or an I/O error underneath.
    case read(path: String, message: String)
    case journal(JournalReadError)

    public var description: String {
        switch self {
        case .open(let path, let errno): "cannot open \(path): \(String(cString: strerror(errno)))"
        case .read(let path, let message): "cannot read \(path): \(message)"
        case .journal(let error): "\(error)"
        }
    }
}
