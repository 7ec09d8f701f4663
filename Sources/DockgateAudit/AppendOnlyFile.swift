#if canImport(Glibc)
import Glibc
#endif
import DockgateSyscall
import Synchronization

/// One open audit file descriptor, closed when the last user lets go of it.
///
/// `FileAuditSink.reopen()` swaps in a new instance while other threads may still be inside
/// `append` on the old one; closing the old descriptor only in `deinit` means a write can never
/// land on a descriptor number that was closed and reused for something else.
final class AppendOnlyFile: Sendable {
    let fd: Int32
    /// A regular file (not a FIFO or a device someone must read): a write lands in the page cache
    /// and returns without waiting on anyone.
    let isRegularFile: Bool
    /// Set after a partial write left a line fragment without its newline; the next write starts
    /// with "\n" so the fragment cannot swallow the next, complete record.
    private let needsLineBreak = Atomic<Bool>(false)

    init(path: String) throws(AuditSinkError) {
        do {
            fd = try Syscall.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode: 0o640)
        } catch {
            throw .open(path: path, errno: error.errno)
        }
        var status = stat()
        isRegularFile = fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    deinit {
        // close(2): never retried on Linux, the descriptor is released even on EINTR.
        close(fd)
    }

    /// Appends `line` with one `write(2)`, so concurrent records never interleave (O_APPEND makes
    /// the seek-and-write atomic). A short write is not continued: the remainder written later could
    /// land after another thread's record, so the record is reported lost instead.
    func append(_ line: [UInt8], sinkName: String) throws(AuditSinkError) {
        let prefixed = needsLineBreak.exchange(false, ordering: .acquiringAndReleasing)
        let bytes = prefixed ? [UInt8(ascii: "\n")] + line : line
        let written: Int
        do {
            written = try Syscall.restarting("write") { bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        } catch {
            if prefixed { needsLineBreak.store(true, ordering: .releasing) }
            throw .write(sink: sinkName, errno: error.errno)
        }
        if written < bytes.count {
            if written > 0 || prefixed { needsLineBreak.store(true, ordering: .releasing) }
            throw .partialWrite(sink: sinkName, written: written, expected: bytes.count)
        }
    }
}
