import Dispatch

/// One deadline at a time for a connection phase in which the client owes us bytes: the
/// handshake, a request head, an idle keep-alive gap, a lingering close.
///
/// Nothing arms it while a request is in flight or a tunnel is open, so no timeout can cut a
/// live `logs -f`, `events` or attach. Must be used on the owning connection's queue.
final class PhaseTimer {
    private let queue: DispatchQueue
    private var source: DispatchSourceTimer?
    /// Incremented on every arm/disarm, so a firing that raced with a disarm is ignored.
    private var generation = 0

    init(queue: DispatchQueue) { self.queue = queue }

    deinit { source?.cancel() }

    /// What the armed deadline is for, if any.
    private(set) var purpose: String?

    func arm(after seconds: Double, purpose: String = "", _ handler: @escaping () -> Void) {
        cancel()
        generation += 1
        let armedGeneration = generation
        self.purpose = purpose
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + seconds, leeway: .milliseconds(250))
        timer.setEventHandler { [weak self] in
            guard let self, self.generation == armedGeneration else { return }
            self.cancel()
            handler()
        }
        source = timer
        timer.resume()
    }

    func cancel() {
        generation += 1
        purpose = nil
        source?.setEventHandler(handler: nil)
        source?.cancel()
        source = nil
    }
}
