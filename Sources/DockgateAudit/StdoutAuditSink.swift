#if canImport(Glibc)
import Glibc
#endif
import DockgateSyscall
import Synchronization

/// Writes JSON lines to standard output, for containers and `systemd` units whose stdout is the
/// journal or a log collector.
///
/// Unlike a regular file, stdout is usually a pipe, where a write larger than `PIPE_BUF` may be
/// split; a lock serialises our writers and the rest of a short write is written at once after it,
/// so a record stays one line. A stalled reader therefore stalls this sink's caller, which must be
/// the `AuditWriter` queue and not an event loop (requests then wait for their records). Nothing else in dockgate may write to stdout while this sink is in
/// use (the operational log goes to stderr).
public final class StdoutAuditSink: AuditSink {
    public let name = "stdout"
    private let lock = Mutex(())

    public init() {}

    public func write(_ encoded: EncodedAuditRecords) throws {
        let bytes = encoded.bytes
        try lock.withLock { _ throws(AuditSinkError) in
            var offset = 0
            while offset < bytes.count {
                let result: IOResult<Int>
                do throws(SystemError) {
                    result = try Syscall.retrying("write") {
                        bytes.withUnsafeBytes { raw in
                            Glibc.write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
                        }
                    }
                } catch {
                    throw .write(sink: name, errno: error.errno)
                }
                switch result {
                case .processed(let written):
                    offset += written
                case .wouldBlock:
                    // An inherited non-blocking stdout: wait until the reader catches up. This
                    // blocks only the audit writer's queue, never an event loop; a failed poll
                    // (EINTR) just tries the write again, and a closed reader makes it fail (EPIPE).
                    var poller = pollfd(fd: STDOUT_FILENO, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, -1)
                }
            }
        }
    }

    public func reopen() throws {}
}
