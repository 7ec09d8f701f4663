import Synchronization

/// Hands each audit record to every configured sink and tells the caller whether it may proceed.
///
/// No state is latched: each call tries every sink again, so service comes back by itself as
/// soon as the disk has space or journald is back. What the last write to each sink did is kept
/// for health checks (`failingSinks`). Safe to call from any thread.
public final class AuditTrail: @unchecked Sendable {
    public let sinks: [any AuditSink]
    public let failureMode: AuditFailureMode
    private let onSinkError: @Sendable (String, Error) -> Void
    private let observer: (any AuditObserver)?
    /// Per sink, in `sinks` order: did its most recent write (or reopen) succeed?
    private let lastOutcome: Mutex<[Bool]>

    /// `onSinkError` receives the sink's name and error on every failure (for the operational log;
    /// it is called on the recording thread: the `AuditWriter` queue where one is used).
    public init(
        sinks: [any AuditSink], failureMode: AuditFailureMode = .failClosed,
        observer: (any AuditObserver)? = nil,
        onSinkError: @escaping @Sendable (String, Error) -> Void
    ) {
        self.sinks = sinks
        self.failureMode = failureMode
        self.observer = observer
        self.onSinkError = onSinkError
        self.lastOutcome = Mutex(Array(repeating: true, count: sinks.count))
    }

    /// Names of the sinks whose most recent write failed. A failed sink is tried again by the
    /// next record, so this empties as soon as one write succeeds.
    public var failingSinks: [String] {
        let outcomes = lastOutcome.withLock { $0 }
        return zip(sinks, outcomes).filter { !$0.1 }.map { $0.0.name }
    }

    /// Whether every sink writes without waiting on anyone (regular files only): then a batch
    /// may be written on the thread that has it, when nothing is queued before it.
    public var writesWithoutWaiting: Bool { sinks.allSatisfy { $0.appendsWithoutWaiting } }

    /// True when requests are being refused: fail-closed and some sink's last write failed.
    public var isRefusingRequests: Bool {
        failureMode == .failClosed && !failingSinks.isEmpty
    }

    private func note(_ index: Int, succeeded: Bool, error: Error? = nil) {
        lastOutcome.withLock { $0[index] = succeeded }
        if let error {
            onSinkError(sinks[index].name, error)
            observer?.sinkFailed(sinks[index].name)
        }
    }

    /// Writes `record` to every sink (all of them, even after one failed, so a denial is kept
    /// wherever possible). Returns whether the caller may go on: false when a sink failed and the
    /// mode is fail-closed — the caller then answers 503 and does not forward the request; in
    /// fail-open mode always true, the failure being reported through `onSinkError` only.
    ///
    /// Blocks while a sink does: the proxy's event loops go through `AuditWriter` instead.
    public func record(_ record: AuditRecord) -> Bool {
        self.record(batch: [record])
    }

    /// Hands several records to every sink at once (see `record(_:)` for the result).
    public func record(batch records: [AuditRecord]) -> Bool {
        var buffer: [UInt8] = []
        return record(batch: records, reusing: &buffer)
    }

    /// Encodes `records` once, into `buffer`'s storage, for all sinks, and gives the storage back
    /// for the next batch. Without sinks nothing is encoded; the observer still sees the records.
    func record(batch records: [AuditRecord], reusing buffer: inout [UInt8]) -> Bool {
        guard !records.isEmpty else { return true }
        guard !sinks.isEmpty else {
            observer?.observe(records, written: true)
            return true
        }
        let encoded = EncodedAuditRecords(records, reusing: &buffer)
        var allWritten = true
        for (index, sink) in sinks.enumerated() {
            do {
                try sink.write(encoded)
                note(index, succeeded: true)
            } catch {
                allWritten = false
                note(index, succeeded: false, error: error)
            }
        }
        observer?.observe(records, written: allWritten)
        buffer = encoded.releaseBuffer()
        return allWritten || failureMode == .failOpen
    }

    /// Reopens every sink (logrotate: SIGUSR1 or reload); failures go to `onSinkError`. Where an
    /// `AuditWriter` writes, call it through `AuditWriter.reopenAll(_:)`: it then runs between
    /// writes, not during one.
    public func reopenAll() {
        for (index, sink) in sinks.enumerated() {
            do {
                try sink.reopen()
            } catch {
                note(index, succeeded: false, error: error)
            }
        }
    }
}
