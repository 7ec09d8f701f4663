import Dispatch

/// One deadline at a time for a connection phase in which the client owes us bytes: the
/// handshake, a request head, an idle keep-alive gap, a lingering close.
///
/// Nothing arms it while a request is in flight or a tunnel is open, so no timeout can cut a
/// live `logs -f`, `events` or attach. One timer source serves the connection's whole life and is
/// only rescheduled (creating and cancelling a source per request costs a trip through
/// libdispatch's manager thread). Must be used on the owning connection's queue.
final class PhaseTimer {
    private let source: DispatchSourceTimer
    private var handler: (() -> Void)?
    private var deadline = DispatchTime.distantFuture
    /// What the armed deadline is for, if any.
    private(set) var purpose: String?

    init(queue: DispatchQueue) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .distantFuture, leeway: .milliseconds(250))
        source.setEventHandler { [weak self] in
            // A firing of an earlier deadline may already be queued when the timer is re-armed.
            guard let self, let handler = self.handler, DispatchTime.now() >= self.deadline else { return }
            self.cancel()
            handler()
        }
        source.resume()
    }

    deinit {
        source.setEventHandler(handler: nil)
        source.cancel()
    }

    func arm(after seconds: Double, purpose: String = "", _ handler: @escaping () -> Void) {
        self.handler = handler
        self.purpose = purpose
        deadline = .now() + seconds
        source.schedule(deadline: deadline, leeway: .milliseconds(250))
    }

    /// Disarms; a firing already queued finds no handler and does nothing.
    func cancel() {
        guard handler != nil else { return }
        handler = nil
        purpose = nil
        deadline = .distantFuture
        source.schedule(deadline: .distantFuture, leeway: .milliseconds(250))
    }
}
