/// Hands each audit record to every configured sink and tells the caller whether it may proceed.
///
/// No state is latched: each call tries every sink again, so service comes back by itself as
/// soon as the disk has space or journald is back. Safe to call from any thread.
public final class AuditTrail: @unchecked Sendable {
    public let sinks: [any AuditSink]
    public let failureMode: AuditFailureMode
    private let onSinkError: @Sendable (String, Error) -> Void

    /// `onSinkError` receives the sink's name and error on every failure (for the operational log;
    /// it is called on the recording thread, so it should not block).
    public init(
        sinks: [any AuditSink], failureMode: AuditFailureMode = .failClosed,
        onSinkError: @escaping @Sendable (String, Error) -> Void
    ) {
        self.sinks = sinks
        self.failureMode = failureMode
        self.onSinkError = onSinkError
    }

    /// Writes `record` to every sink (all of them, even after one failed, so a denial is kept
    /// wherever possible). Returns whether the caller may go on: false when a sink failed and the
    /// mode is fail-closed — the caller then answers 503 and does not forward the request; in
    /// fail-open mode always true, the failure being reported through `onSinkError` only.
    public func record(_ record: AuditRecord) -> Bool {
        var allWritten = true
        for sink in sinks {
            do {
                try sink.write(record)
            } catch {
                allWritten = false
                onSinkError(sink.name, error)
            }
        }
        return allWritten || failureMode == .failOpen
    }

    /// Reopens every sink (logrotate: SIGUSR1 or reload); failures go to `onSinkError`.
    /// Hands several records to every sink at once (see `record(_:)` for the result).
    public func record(batch records: [AuditRecord]) -> Bool {
        guard !records.isEmpty else { return true }
        var allWritten = true
        for sink in sinks {
            do {
                try sink.write(batch: records)
            } catch {
                allWritten = false
                onSinkError(sink.name, error)
            }
        }
        return allWritten || failureMode == .failOpen
    }

    public func reopenAll() {
        for sink in sinks {
            do {
                try sink.reopen()
            } catch {
                onSinkError(sink.name, error)
            }
        }
    }
}
