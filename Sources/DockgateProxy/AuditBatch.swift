import Dispatch
import DockgateAudit

/// The audit records one event loop produced in its current burst of events, handed to the
/// `AuditWriter` together once the burst is over: under load one submission, one `write(2)` and
/// one wake-up back serve many requests. When every sink is a regular file and the writer has
/// nothing queued, the batch is written right here instead (`AuditWriter.writeAtOnce`); a sink
/// that can stall (stdout, journald, a FIFO) is only ever written by the writer's queue.
///
/// A record may come with a waiter: the connection whose request waits for its record (to
/// forward it, or to answer a refusal). Waiters are called back on the loop's queue once the
/// writer handed the batch to every sink, with whether the request may go on (false: a
/// fail-closed sink could not take it).
///
/// Used only on its loop's queue (hence `@unchecked Sendable`).
final class AuditBatch: @unchecked Sendable {
    typealias Waiter = @Sendable (Bool) -> Void

    private let queue: DispatchQueue
    let writer: AuditWriter
    private var pending: [AuditRecord] = []
    private var waiters: [Waiter] = []
    private var trail: AuditTrail?
    private var isFlushScheduled = false

    init(queue: DispatchQueue, writer: AuditWriter) {
        self.queue = queue
        self.writer = writer
    }

    /// Queues a record; `whenWritten`, if given, is called on this loop's queue once it is with
    /// the sinks.
    func add(_ record: AuditRecord, to trail: AuditTrail, whenWritten: Waiter? = nil) {
        // A reload's new trail: what the old one was given goes first, to the old one.
        if let current = self.trail, current !== trail { flush() }
        self.trail = trail
        pending.append(record)
        if let whenWritten { waiters.append(whenWritten) }
        guard !isFlushScheduled else { return }
        isFlushScheduled = true
        queue.async { [self] in
            isFlushScheduled = false
            flush()
        }
    }

    /// Hands what is queued to the writer now (records that must follow these keep their place).
    func flush() {
        guard let trail, !pending.isEmpty else { return }
        let batch = pending
        let waiting = waiters
        pending = []
        waiters = []
        self.trail = nil
        // Files only and nothing queued: written here and now, without a trip to the writer's
        // thread and back (waiters are then called from inside this flush).
        if let mayProceed = writer.writeAtOnce(batch, to: trail) {
            waiting.forEach { $0(mayProceed) }
            return
        }
        if waiting.isEmpty {
            writer.submit(batch, to: trail)
        } else {
            writer.submit(batch, to: trail, completion: { mayProceed in waiting.forEach { $0(mayProceed) } }, on: queue)
        }
    }
}
