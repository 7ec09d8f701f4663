/// A destination for audit records: a file, journald, stdout. Several may be configured at once.
///
/// Implementations must be safe to call from any thread, and `write` must return only once the
/// record has been handed over durably enough that the caller may forward the request: for a file,
/// the `write(2)` of the whole line returned; for journald, `sd_journal_sendv` returned 0.
public protocol AuditSink: AnyObject, Sendable {
    /// Names the sink in operational log lines (`file:/var/log/dockgate/audit.log`, `journald`).
    var name: String { get }
    /// Hands one record to the sink; throws when it could not (the caller then fails closed).
    func write(_ record: AuditRecord) throws
    /// Reopens the destination after logrotate moved it (SIGUSR1, reload); a no-op where nothing
    /// is open by path.
    func reopen() throws
    /// Hands several records over at once; a sink that can write them in one operation (one
    /// `write(2)` of whole lines) overrides this.
    func write(batch records: [AuditRecord]) throws
}

extension AuditSink {
    public func write(batch records: [AuditRecord]) throws {
        for record in records { try write(record) }
    }
}
