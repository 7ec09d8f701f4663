import Dispatch
import Foundation

/// SIGTERM/SIGINT (stop), SIGHUP (reload) and SIGUSR1 (reopen audit files, for logrotate) as Dispatch sources. Created from nonisolated code
/// on purpose: a handler written in main-actor code would trap when Dispatch runs it elsewhere
/// (DESIGN-NOTES §2.3.5). Handlers run one at a time on a queue of their own.
enum ProcessSignals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let queue = DispatchQueue(label: "dockgate.signals")

    /// Installs the sources at once, but runs no handler before `startDelivering()`: a signal
    /// that arrives in between waits in its source instead of killing the process or being lost.
    static func install(
        onTerminate: @escaping @Sendable (String) -> Void, onReload: @escaping @Sendable () -> Void,
        onReopenLogs: @escaping @Sendable () -> Void
    ) {
        let handlers: [(Int32, @Sendable () -> Void)] = [
            (SIGTERM, { onTerminate("SIGTERM") }), (SIGINT, { onTerminate("SIGINT") }), (SIGHUP, onReload),
            (SIGUSR1, onReopenLogs),
        ]
        queue.suspend()
        for (number, handler) in handlers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { @Sendable in handler() }
            source.resume()
            sources.append(source)
        }
    }

    static func startDelivering() { queue.resume() }
}

/// Sends a short status line to systemd at a fixed interval.
enum StatusReporter {
    nonisolated(unsafe) private static var timer: DispatchSourceTimer?

    static func start(every seconds: Int, _ report: @escaping @Sendable () -> Void) {
        let source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "dockgate.status"))
        source.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds))
        source.setEventHandler { @Sendable in report() }
        source.resume()
        timer = source
    }
}
