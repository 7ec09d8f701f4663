/// What happens to a request when its audit record cannot be written.
public enum AuditFailureMode: String, Sendable {
    /// Refuse the request (503): no request reaches the daemon without its record. The default.
    case failClosed = "fail-closed"
    /// Forward the request anyway and only log the sink error; for operators who rank availability
    /// above completeness of the trail.
    case failOpen = "fail-open"
}
