import Synchronization

/// Appends JSON lines to a file, one `write(2)` per record.
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

    public func write(_ record: AuditRecord) throws {
        let file = current.withLock { $0 }
        try file.append(Array(AuditJSON.line(record).utf8), sinkName: name)
    }

    /// Whole lines in one `write(2)`: with O_APPEND they land together, never interleaved.
    public func write(batch records: [AuditRecord]) throws {
        guard records.count > 1 else {
            if let record = records.first { try write(record) }
            return
        }
        var bytes: [UInt8] = []
        for record in records { bytes += AuditJSON.line(record).utf8 }
        let file = current.withLock { $0 }
        try file.append(bytes, sinkName: name)
    }

    public func reopen() throws {
        let fresh = try AppendOnlyFile(path: path)
        // The old file is closed when the last in-flight write releases it (AppendOnlyFile.deinit).
        current.withLock { $0 = fresh }
    }
}
