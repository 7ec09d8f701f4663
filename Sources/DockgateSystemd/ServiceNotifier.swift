#if canImport(Glibc)
import Glibc
#endif
import Dispatch
internal import CSystemd
import Synchronization

/// Tells the service manager about dockgate's life cycle through `sd_notify` (`Type=notify` and
/// `Type=notify-reload` units): ready, reloading, stopping, a one-line status, and watchdog pings.
///
/// sd_notify(3) recommends ignoring failures — a lost notification must not take the proxy down —
/// so the state methods never throw; they hand failures to `onError` (for the operational log).
/// `send(_:)` is the throwing primitive underneath. Everything is a no-op without `NOTIFY_SOCKET`.
public final class ServiceNotifier: @unchecked Sendable {
    private let onError: (@Sendable (SystemdError) -> Void)?
    /// Guards `watchdogTimer`; Dispatch sources are not `Sendable`, so they cannot live in the Mutex.
    private let lock = Mutex(())
    private var watchdogTimer: (any DispatchSourceTimer)?

    public init(onError: (@Sendable (SystemdError) -> Void)? = nil) {
        self.onError = onError
    }

    deinit {
        stopWatchdog()
    }

    /// True when the service manager listens for notifications (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// Listeners, TLS and policy are loaded: `READY=1`, optionally with a `STATUS=` line.
    /// Also ends a reload started with `reloading()`.
    public func ready(status: String? = nil) {
        var state = "READY=1"
        if let status { state += "\nSTATUS=" + Self.singleLine(status) }
        sendIgnoringFailure(state)
    }

    /// A reload has begun. systemd.service(5), `Type=notify-reload`: `RELOADING=1` must carry
    /// `MONOTONIC_USEC=` (CLOCK_MONOTONIC in µs), so the manager can match it to its own reload
    /// request; `ready()` ends the reload.
    public func reloading() {
        sendIgnoringFailure("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// Shutdown has begun (sent before draining, so `systemctl` shows "deactivating").
    public func stopping() {
        sendIgnoringFailure("STOPPING=1")
    }

    /// A short free-form summary shown by `systemctl status` (connections, requests, …).
    public func status(_ text: String) {
        sendIgnoringFailure("STATUS=" + Self.singleLine(text))
    }

    /// Sends raw newline-separated assignments. Returns false when `NOTIFY_SOCKET` is unset.
    @discardableResult
    public func send(_ state: String) throws(SystemdError) -> Bool {
        let result = sd_notify(0, state)
        guard result >= 0 else { throw .notify(state: state, errno: -result) }
        return result > 0
    }

    /// Starts `WATCHDOG=1` pings when the unit has `WatchdogSec=` (`WATCHDOG_USEC`, and
    /// `WATCHDOG_PID` naming this process, as read by `sd_watchdog_enabled`); otherwise does nothing.
    ///
    /// Every half interval (sd_watchdog_enabled(3)'s advice) `isHealthy` runs on `queue` — the event
    /// loop's own queue, so a wedged loop stops the pings by itself — and a ping is sent only when it
    /// returns true. Calling this again replaces the previous timer.
    public func startWatchdog(on queue: DispatchQueue, isHealthy: @escaping @Sendable () -> Bool) {
        var microseconds: UInt64 = 0
        let enabled = sd_watchdog_enabled(0, &microseconds)
        if enabled < 0 { onError?(.notify(state: "WATCHDOG_USEC", errno: -enabled)) }
        guard enabled > 0, microseconds > 0 else { return }

        let interval = DispatchTimeInterval.microseconds(Int(clamping: microseconds / 2))
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval,
                       leeway: .microseconds(Int(clamping: microseconds / 20)))
        let onError = self.onError
        timer.setEventHandler {
            guard isHealthy() else { return }
            let result = sd_notify(0, "WATCHDOG=1")
            if result < 0 { onError?(.notify(state: "WATCHDOG=1", errno: -result)) }
        }
        let previous = lock.withLock { _ in
            defer { watchdogTimer = timer }
            return watchdogTimer
        }
        previous?.cancel()
        timer.resume()
    }

    /// Stops the pings started by `startWatchdog`, if any.
    public func stopWatchdog() {
        let timer = lock.withLock { _ in
            defer { watchdogTimer = nil }
            return watchdogTimer
        }
        timer?.cancel()
    }

    private func sendIgnoringFailure(_ state: String) {
        do {
            try send(state)
        } catch {
            onError?(error)
        }
    }

    /// A newline in a value would start a new assignment (sd_notify's format is line-based).
    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
