#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import DockgateTestSupport
import Testing
@testable import DockgateSystemd

/// `sd_notify` reads `NOTIFY_SOCKET` (and the watchdog `WATCHDOG_USEC`/`WATCHDOG_PID`) from the
/// environment. Changing the environment of a multi-threaded test process races with every other
/// thread's `getenv`, so each test runs its body in a child process (an exit test), where it binds
/// the notify socket, sets the variables, and prints what it received as JSON for the parent to check.
@Suite("ServiceNotifier")
struct ServiceNotifierTests {
    struct NotifyReport: Codable {
        var enabled: Bool
        var datagrams: [String]
        var monotonicBefore: UInt64
        var monotonicAfter: UInt64
    }

    /// READY=1 (with a one-line STATUS), RELOADING=1 with MONOTONIC_USEC, READY=1 again, STOPPING=1
    /// and STATUS arrive as exact datagrams, in order.
    @Test func stateChangesArriveAsExactDatagrams() async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let path = "/tmp/dockgate-notify-\(getpid()).sock"
            let socket = try UnixDatagramSocket(bindingTo: path)
            setenv("NOTIFY_SOCKET", path, 1)
            let notifier = ServiceNotifier()
            let before = ServiceNotifier.monotonicMicroseconds()
            notifier.ready(status: "listening on 2 sockets\nREADY=0")
            notifier.reloading()
            let after = ServiceNotifier.monotonicMicroseconds()
            notifier.ready()
            notifier.stopping()
            notifier.status("3 connections, 12 requests")
            let datagrams = (0..<5).map { _ in socket.receiveText() ?? "<nothing>" }
            let report = NotifyReport(enabled: notifier.isEnabled, datagrams: datagrams,
                                      monotonicBefore: before, monotonicAfter: after)
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
        }
        let report = try JSONDecoder().decode(NotifyReport.self, from: Data(try #require(result).standardOutputContent))
        #expect(report.enabled)
        #expect(report.datagrams.count == 5)
        guard report.datagrams.count == 5 else { return }
        #expect(report.datagrams[0] == "READY=1\nSTATUS=listening on 2 sockets READY=0")
        let reloading = report.datagrams[1].split(separator: "\n", omittingEmptySubsequences: false)
        #expect(reloading.count == 2)
        #expect(reloading.first == "RELOADING=1")
        let stamp = reloading.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil }
        #expect(stamp != nil, "MONOTONIC_USEC=<digits> expected, got \(report.datagrams[1])")
        if let stamp { #expect((report.monotonicBefore...report.monotonicAfter).contains(stamp)) }
        #expect(report.datagrams[2] == "READY=1")
        #expect(report.datagrams[3] == "STOPPING=1")
        #expect(report.datagrams[4] == "STATUS=3 connections, 12 requests")
    }

    /// Without NOTIFY_SOCKET nothing is sent and nothing fails (sd_notify returns 0).
    @Test func withoutNotifySocketEverythingIsANoOp() async {
        await #expect(processExitsWith: .success) {
            unsetenv("NOTIFY_SOCKET")
            let notifier = ServiceNotifier(onError: { _ in exit(3) })
            guard !notifier.isEnabled else { exit(1) }
            notifier.ready(status: "x")
            notifier.stopping()
            guard try notifier.send("READY=1") == false else { exit(2) }
        }
    }

    struct WatchdogReport: Codable {
        var healthyPings: [String]
        var pingsWhileUnhealthy: Int
        var pingAfterRecovery: String?
        var pingsAfterStop: Int
        var pingsWithoutWatchdogUSEC: Int
    }

    /// With WATCHDOG_USEC=200 ms, WATCHDOG=1 arrives every ~100 ms while `isHealthy` says so, none
    /// while it does not, again after it recovers, and none after `stopWatchdog()`; without
    /// WATCHDOG_USEC no timer starts.
    @Test func watchdogPingsOnlyWhileHealthy() async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            final class Health: Sendable {
                let isHealthy = Atomic<Bool>(true)
            }
            let path = "/tmp/dockgate-watchdog-\(getpid()).sock"
            let socket = try UnixDatagramSocket(bindingTo: path)
            setenv("NOTIFY_SOCKET", path, 1)
            let queue = DispatchQueue(label: "watchdog-test")
            let health = Health()

            func drain() { while socket.receive(timeoutMilliseconds: 150) != nil {} }
            func count(within milliseconds: Int32) -> Int {
                var pings = 0
                let deadline = ServiceNotifier.monotonicMicroseconds() + UInt64(milliseconds) * 1_000
                while case let now = ServiceNotifier.monotonicMicroseconds(), now < deadline {
                    if socket.receive(timeoutMilliseconds: Int32((deadline - now) / 1_000) + 1) != nil { pings += 1 }
                }
                return pings
            }

            unsetenv("WATCHDOG_USEC")
            let idle = ServiceNotifier()
            idle.startWatchdog(on: queue) { true }
            let withoutUSEC = count(within: 400)

            setenv("WATCHDOG_USEC", "200000", 1)
            setenv("WATCHDOG_PID", String(getpid()), 1)
            let notifier = ServiceNotifier()
            notifier.startWatchdog(on: queue) { health.isHealthy.load(ordering: .relaxed) }
            let healthy = (0..<3).map { _ in socket.receiveText(timeoutMilliseconds: 2_000) ?? "<nothing>" }
            health.isHealthy.store(false, ordering: .relaxed)
            drain()
            let unhealthy = count(within: 500)
            health.isHealthy.store(true, ordering: .relaxed)
            let recovered = socket.receiveText(timeoutMilliseconds: 2_000)
            notifier.stopWatchdog()
            drain()
            let afterStop = count(within: 400)

            let report = WatchdogReport(healthyPings: healthy, pingsWhileUnhealthy: unhealthy,
                                        pingAfterRecovery: recovered, pingsAfterStop: afterStop,
                                        pingsWithoutWatchdogUSEC: withoutUSEC)
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
        }
        let report = try JSONDecoder().decode(WatchdogReport.self, from: Data(try #require(result).standardOutputContent))
        #expect(report.healthyPings == ["WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"])
        #expect(report.pingsWhileUnhealthy == 0)
        #expect(report.pingAfterRecovery == "WATCHDOG=1")
        #expect(report.pingsAfterStop == 0)
        #expect(report.pingsWithoutWatchdogUSEC == 0)
    }
}
