/// A destination for audit records: a file, journald, stdout. Several may be configured at once.
///
/// Implementations must be safe to call from any thread, and `write` must return only once the
/// records have been handed over durably enough that the caller may forward the request: for a
/// file, the `write(2)` of the whole lines returned; for journald, `sd_journal_sendv` returned 0.
/// Event loops reach sinks only through the one `AuditWriter` queue, so a sink may block (a full
/// pipe, a busy journald) without holding up an event loop.
public protocol AuditSink: AnyObject, Sendable {
    /// Names the sink in operational log lines (`file:/var/log/dockgate/audit.log`, `journald`).
    var name: String { get }
    /// Whether a write returns without waiting on a reader or another process (see the extension).
    var appendsWithoutWaiting: Bool { get }
    /// Hands records over with their JSON lines, encoded once for all sinks; throws when it could
    /// not (the caller then fails closed). A sink that can write them in one operation does.
    func write(_ encoded: EncodedAuditRecords) throws
    /// Reopens the destination after logrotate moved it (SIGUSR1, reload); a no-op where nothing
    /// is open by path.
    func reopen() throws
}

extension AuditSink {
    /// Whether a write returns without waiting on a reader or another process (a regular file:
    /// the page cache). Such sinks may be written from an event loop; the others only by the
    /// `AuditWriter`'s queue.
    public var appendsWithoutWaiting: Bool { false }

    /// Encodes and hands over one record.
    public func write(_ record: AuditRecord) throws {
        try write(EncodedAuditRecords([record]))
    }

    /// Encodes and hands over several records at once.
    public func write(batch records: [AuditRecord]) throws {
        try write(EncodedAuditRecords(records))
    }
}
