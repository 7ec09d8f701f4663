import Dispatch
import Foundation
import Synchronization

/// The one place where audit sinks are written to: a serial queue of its own, so a sink that
/// stalls (a stdout reader that stopped reading, a journald that is busy, a slow disk) holds up
/// this queue and the requests waiting for their records, never an event loop.
///
/// Event loops only submit, which never blocks: fire-and-forget for records that hold nothing up
/// (responses, sessions, connection ends), with a completion for a record that must be with the
/// sinks before the request goes on (the completion then forwards or refuses it). Everything
/// submitted is written in submission order, across all loops and across trails: a reload that
/// replaces the `AuditTrail` does not let a new trail's records overtake the old one's. Reopening
/// the sinks (SIGUSR1) is queued the same way, so it never runs in the middle of a write.
///
/// Memory while a sink stalls: a request is forwarded only after its record is written, so a
/// connection that keeps sending requests has at most one request record waiting, plus the few
/// records it queued before it (the previous response, a session's open and close); streaming
/// connections queue nothing until their stream ends. The backlog is therefore about a handful of
/// records per open connection, bounded by the connection limit, except for records of
/// connections that never wait for one: handshake failures and closes of connections that sent
/// no request, which grow with the rate of new connections for as long as the stall lasts.
/// `backlog` reports the length so metrics and health checks can show (and an operator alert on)
/// a stall that the sinks' own outcomes cannot: a sink that never returns never fails.
public final class AuditWriter: @unchecked Sendable {
    private let queue: DispatchQueue
    private let queuedRecords = Atomic<Int>(0)
    /// Held for every write, on the queue or at once (`writeAtOnce`), so writes never overlap and
    /// a write at once can see that nothing submitted is still waiting.
    private let writeLock = NSLock()
    /// Reused from batch to batch for the encoded lines. Guarded by `writeLock`.
    private var lineBuffer: [UInt8] = []

    /// A serial queue is backed by a thread of its own when it blocks (libdispatch gives serial
    /// queues an overcommitting root queue), so a stalled sink does not take a worker from the loops.
    public init(label: String = "dockgate.audit-writer") {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Records submitted and not yet written (or failed): the writer's backlog.
    public var backlog: Int { queuedRecords.load(ordering: .relaxed) }

    /// Queues `records` for every sink of `trail`, after everything submitted before; returns at
    /// once. What the sinks did shows in `trail.failingSinks` and the trail's observer.
    public func submit(_ records: [AuditRecord], to trail: AuditTrail) {
        guard !records.isEmpty else { return }
        queuedRecords.add(records.count, ordering: .relaxed)
        queue.async { [self] in
            _ = write(records, to: trail)
        }
    }

    /// Queues `records` like `submit(_:to:)`, then runs `completion` once on `callbackQueue`
    /// with `AuditTrail.record`'s answer: true when the caller may go on (every sink took the
    /// records, or the trail is fail-open), false when a fail-closed trail lost them. The
    /// completion runs after the records and everything submitted before them were handed over.
    public func submit(
        _ records: [AuditRecord], to trail: AuditTrail,
        completion: @escaping @Sendable (Bool) -> Void, on callbackQueue: DispatchQueue
    ) {
        queuedRecords.add(records.count, ordering: .relaxed)
        queue.async { [self] in
            let mayProceed = write(records, to: trail)
            callbackQueue.async { completion(mayProceed) }
        }
    }

    /// Writes `records` on the calling thread when that cannot wait on anyone: every sink of the
    /// trail appends to a regular file, and nothing submitted before is still queued (so the
    /// order holds). Returns the trail's answer, or nil when the records must be submitted
    /// instead. An event loop uses it to spare a hand-over to the writer's thread and back for
    /// every request when the trail is only files.
    public func writeAtOnce(_ records: [AuditRecord], to trail: AuditTrail) -> Bool? {
        // Never waits for the lock: the writer holds it while a sink of any trail is writing,
        // which may be a stalled one; then this batch simply joins the queue.
        guard trail.writesWithoutWaiting, queuedRecords.load(ordering: .acquiring) == 0, writeLock.try() else { return nil }
        defer { writeLock.unlock() }
        guard queuedRecords.load(ordering: .acquiring) == 0 else { return nil }
        return trail.record(batch: records, reusing: &lineBuffer)
    }

    /// Reopens `trail`'s sinks (logrotate) after every write submitted so far; returns at once.
    public func reopenAll(_ trail: AuditTrail) {
        queue.async { trail.reopenAll() }
    }

    /// Blocks until everything submitted before this call has been handed to the sinks: for
    /// shutdown and tests, never on an event loop.
    public func waitUntilWritten() {
        queue.sync {}
    }

    private func write(_ records: [AuditRecord], to trail: AuditTrail) -> Bool {
        writeLock.withLock {
            let mayProceed = trail.record(batch: records, reusing: &lineBuffer)
            queuedRecords.subtract(records.count, ordering: .releasing)
            return mayProceed
        }
    }
}
