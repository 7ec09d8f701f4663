import Synchronization

/// Appends JSON lines to a file, one `write(2)` per batch of records.
///
/// The file is opened `O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC`, mode 0640 (before umask), so any
/// number of threads may write without a lock and lines never interleave. `reopen()` follows
/// logrotate's rename-then-signal pattern: it opens the path anew and swaps the descriptor; if the
/// new open fails, the old descriptor keeps receiving records and the error is thrown.
public final class FileAuditSink: AuditSink {
    public let path: String
    public var name: String { "file:" + path }
    private let current: Mutex<AppendOnlyFile>

    /// Opens (creating if needed) the audit file; throws when it cannot, so startup fails loudly.
    public init(path: String) throws(AuditSinkError) {
        self.path = path
        self.current = Mutex(try AppendOnlyFile(path: path))
    }

    /// Whole lines in one `write(2)`: with O_APPEND they land together, never interleaved.
    public func write(_ encoded: EncodedAuditRecords) throws {
        guard !encoded.bytes.isEmpty else { return }
        let file = current.withLock { $0 }
        try file.append(encoded.bytes, sinkName: name)
    }

    /// True while the open file is a regular file (a FIFO's reader could stall a write).
    public var appendsWithoutWaiting: Bool { current.withLock { $0 }.isRegularFile }

    public func reopen() throws {
        let fresh = try AppendOnlyFile(path: path)
        // The old file is closed when the last in-flight write releases it (AppendOnlyFile.deinit).
        current.withLock { $0 = fresh }
    }
}
