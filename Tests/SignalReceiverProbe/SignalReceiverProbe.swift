#if canImport(Glibc)
import Glibc
#endif
import DockgateIO
import Foundation

/// A helper process for `SignalReceiverTests`: sends itself signals in the window right after the
/// receiver is installed, then prints one report line. Written in a nonisolated type, not in
/// main.swift: handlers created in main-actor code trap when Dispatch runs them (DESIGN-NOTES §2.3.5).
enum SignalReceiverProbe {
    static let signals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGUSR1]
    static let reportPrefix = "SIGNAL-RECEIVER-REPORT: "

    static func run() {
        let delivered = Delivered()
        let receiver: SignalReceiver
        do {
            receiver = try SignalReceiver(signals: signals, label: "probe.signals") { delivered.append($0) }
        } catch {
            print("cannot create the receiver: \(error)")
            exit(2)
        }
        // Pending before anything reads them; delivery has not started.
        kill(getpid(), SIGUSR1)
        kill(getpid(), SIGHUP)
        let early = delivered.count
        receiver.startDelivering()
        if delivered.wait(for: 2, seconds: 10) {
            kill(getpid(), SIGTERM)
            _ = delivered.wait(for: 3, seconds: 10)
        }
        let unblockedThreads = threadsNotBlocking(signals)
        receiver.cancel()
        let list = delivered.values.map(String.init).joined(separator: ",")
        print(reportPrefix + "early=\(early) delivered=\(list) threads-not-blocking=\(unblockedThreads)")
        fflush(nil)
        exit(0)
    }

    /// Threads of this process whose SigBlk lacks one of `signals` (/proc/PID/task/TID/status).
    static func threadsNotBlocking(_ signals: [Int32]) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var count = 0
        for task in tasks {
            let status = (try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
            let mask = line.flatMap { UInt64($0.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
            if !signals.allSatisfy({ mask & (1 << UInt64($0 - 1)) != 0 }) { count += 1 }
        }
        return count
    }
}

/// Signal numbers in the order the handler saw them; the handler runs on the receiver's queue.
final class Delivered: @unchecked Sendable {
    private let condition = NSCondition()
    private var received: [Int32] = []

    func append(_ number: Int32) {
        condition.withLock {
            received.append(number)
            condition.broadcast()
        }
    }

    var count: Int { condition.withLock { received.count } }
    var values: [Int32] { condition.withLock { received } }

    /// Waits until at least `count` signals arrived (the real condition, not a sleep).
    func wait(for count: Int, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        return condition.withLock {
            while received.count < count {
                if !condition.wait(until: deadline) { return received.count >= count }
            }
            return true
        }
    }
}
