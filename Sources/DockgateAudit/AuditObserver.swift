/// Sees every record handed to an `AuditTrail`, whether or not any sink is configured and
/// whether or not the sinks took it: the metrics are counted from the same facts as the trail.
///
/// Called on the recording thread (the `AuditWriter` queue where one is used, whose backlog waits
/// on it), after the sinks: it must be quick and must not block.
public protocol AuditObserver: AnyObject, Sendable {
    /// `written` is true when every sink took the records.
    func observe(_ records: [AuditRecord], written: Bool)
    /// A sink failed (once per failed write).
    func sinkFailed(_ sinkName: String)
}
