import Dispatch
import DockgateAudit

/// Audit records of one event loop that need not be on disk before anything else happens
/// (responses, sessions, denials, connection ends). They are written together, either right
/// after the loop's current burst of events or with the next record that must be durable first
/// (a permitted request), saving a `write(2)` per request under load.
///
/// Used only on its loop's queue (hence `@unchecked Sendable`).
final class AuditBatch: @unchecked Sendable {
    private let queue: DispatchQueue
    private var pending: [AuditRecord] = []
    private var trail: AuditTrail?
    private var isFlushScheduled = false

    init(queue: DispatchQueue) { self.queue = queue }

    /// Queues a record; it reaches the sinks before this loop next sleeps.
    func add(_ record: AuditRecord, to trail: AuditTrail) {
        if let current = self.trail, current !== trail { flush() }
        self.trail = trail
        pending.append(record)
        guard !isFlushScheduled else { return }
        isFlushScheduled = true
        queue.async { [self] in
            isFlushScheduled = false
            flush()
        }
    }

    /// Writes `record` and everything queued before it in one go; false when a fail-closed sink
    /// could not take them.
    func writeNow(_ record: AuditRecord, to trail: AuditTrail) -> Bool {
        if let current = self.trail, current !== trail { flush() }
        let batch = pending + [record]
        pending = []
        self.trail = nil
        return trail.record(batch: batch)
    }

    func flush() {
        guard let trail, !pending.isEmpty else { return }
        let batch = pending
        pending = []
        self.trail = nil
        _ = trail.record(batch: batch)
    }
}
