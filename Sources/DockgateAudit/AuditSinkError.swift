#if canImport(Glibc)
import Glibc
#endif
import DockgateSystemd

/// Why a sink could not take a record.
public enum AuditSinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case open(path: String, errno: Int32)
    case write(sink: String, errno: Int32)
    /// Only part of the line reached the file (a full disk, typically). The record counts as lost:
    /// writing the rest later could interleave with other records.
    case partialWrite(sink: String, written: Int, expected: Int)
    case journal(JournalError)

    public var description: String {
        switch self {
        case .open(let path, let errno):
            "cannot open audit file \(path): \(String(cString: strerror(errno)))"
        case .write(let sink, let errno):
            "audit sink \(sink): write failed: \(String(cString: strerror(errno)))"
        case .partialWrite(let sink, let written, let expected):
            "audit sink \(sink): only \(written) of \(expected) bytes written (disk full?)"
        case .journal(let error):
            "audit sink journald: \(error)"
        }
    }
}
