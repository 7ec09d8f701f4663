import Dispatch

/// One deadline at a time for a connection phase in which the client owes us bytes: the
/// handshake, a request head, an idle keep-alive gap, a lingering close.
///
/// Nothing arms it while a request is in flight or a tunnel is open, so no timeout can cut a
/// live `logs -f`, `events` or attach. One timer source serves the connection's whole life, and
/// it is rescheduled lazily: a keep-alive connection arms and disarms its idle deadline on every
/// request, and each reschedule of a Dispatch timer is a trip through libdispatch's manager
/// thread. So disarming only forgets the deadline, and arming reschedules only when the new
/// deadline is earlier than the pending firing; a firing that comes too early re-aims itself.
/// Must be used on the owning connection's queue.
final class PhaseTimer {
    private let source: DispatchSourceTimer
    private var handler: (() -> Void)?
    /// When the armed handler is due (`.distantFuture` when disarmed).
    private var deadline = DispatchTime.distantFuture
    /// When the source will fire next (`.distantFuture` when it will not).
    private var scheduledFiring = DispatchTime.distantFuture
    /// What the armed deadline is for, if any.
    private(set) var purpose: ConnectionTimer?

    init(queue: DispatchQueue) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .distantFuture, leeway: .milliseconds(250))
        source.setEventHandler { [weak self] in self?.fired() }
        source.resume()
    }

    deinit {
        source.setEventHandler(handler: nil)
        source.cancel()
    }

    func arm(after seconds: Double, purpose: ConnectionTimer, _ handler: @escaping () -> Void) {
        self.handler = handler
        self.purpose = purpose
        deadline = .now() + seconds
        if deadline < scheduledFiring { schedule(deadline) }
    }

    /// Disarms without touching the source: a later firing finds nothing due and stops.
    func cancel() {
        handler = nil
        purpose = nil
        deadline = .distantFuture
    }

    private func fired() {
        scheduledFiring = .distantFuture
        guard let handler else { return }
        guard DispatchTime.now() >= deadline else {
            schedule(deadline)
            return
        }
        cancel()
        handler()
    }

    private func schedule(_ time: DispatchTime) {
        scheduledFiring = time
        source.schedule(deadline: time, leeway: .milliseconds(250))
    }
}
