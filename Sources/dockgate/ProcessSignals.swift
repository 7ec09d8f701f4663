import Dispatch
import DockgateIO
import Foundation

/// SIGTERM/SIGINT (stop), SIGHUP (reload) and SIGUSR1 (reopen audit files, for logrotate), read from
/// a signalfd (DESIGN-NOTES §2.3.8). Created from nonisolated code on purpose: a handler written in
/// main-actor code would trap when Dispatch runs it elsewhere (§2.3.5). Handlers run one at a time
/// on a queue of their own.
///
/// dockgate starts no child processes. One added later must unblock these signals in the child
/// (`posix_spawnattr_setsigmask` with an empty set), or it would start deaf to SIGTERM.
enum ProcessSignals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGUSR1]
    nonisolated(unsafe) private static var receiver: SignalReceiver?

    /// Blocks the handled signals in the calling thread. Must be the first thing `serve` does,
    /// while the process still has a single thread: threads started later (Dispatch's workers and
    /// manager) inherit the mask, so none of them can take a signal with its default action, and
    /// a signal sent at any moment from here on waits in the kernel until it is read.
    /// Returns the number of threads the process had when the mask was set (1 is the only right answer).
    static func blockBeforeFirstThread() throws -> Int {
        let threads = Syscall.threadCount()
        try Syscall.blockSignals(handled)
        return threads
    }

    /// Starts reading the signals at once, but runs no handler before `startDelivering()`: a
    /// signal that arrives in between waits in the kernel instead of killing the process or being lost.
    static func install(
        onTerminate: @escaping @Sendable (String) -> Void, onReload: @escaping @Sendable () -> Void,
        onReopenLogs: @escaping @Sendable () -> Void
    ) throws {
        receiver = try SignalReceiver(signals: handled, label: "dockgate.signals") { @Sendable number in
            switch number {
            case SIGTERM: onTerminate("SIGTERM")
            case SIGINT: onTerminate("SIGINT")
            case SIGHUP: onReload()
            case SIGUSR1: onReopenLogs()
            default: break
            }
        }
    }

    static func startDelivering() { receiver?.startDelivering() }

    /// Parks the main thread for the rest of the process, its mask unchanged. Not `dispatchMain()`:
    /// on Linux libdispatch parks the main thread in `sigsuspend` with an empty mask, which unblocks
    /// every signal in that thread, so a SIGHUP would be taken there with its default action (seen:
    /// the process killed by the first reload). Nothing in dockgate runs on the main queue.
    static func parkMainThread() -> Never {
        while true { pause() }
    }
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
