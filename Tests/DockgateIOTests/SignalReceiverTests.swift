import Foundation
import Testing

/// `SignalReceiver` needs its signals blocked in every thread, which a test runner that already has
/// threads cannot arrange for itself (and the runner unblocks its main thread). So each case runs
/// `SignalReceiverProbe`, a small program that blocks them first thing, as `dockgate serve` does.
@Suite struct SignalReceiverTests {
    static let reportPrefix = "SIGNAL-RECEIVER-REPORT: "

    /// Signals sent the instant the receiver exists, before it delivers, are neither lost nor
    /// fatal: they are handed over once each after `startDelivering()` (SIGHUP=1 before SIGUSR1=10,
    /// the kernel's order), a later SIGTERM=15 follows, and every thread Dispatch started still
    /// blocks them. Repeated, because the failure this guards against was a timing window.
    @Test func signalsSentRightAfterInstallAreDeliveredOnce() throws {
        for attempt in 0..<10 {
            let (status, output) = try Self.runProbe()
            let line = output.split(separator: "\n").first { $0.hasPrefix(Self.reportPrefix) }
            let report = try #require(line, "attempt \(attempt): no report (exit status \(status)); output:\n\(output)")
            #expect(report.dropFirst(Self.reportPrefix.count) == "early=0 delivered=1,10,15 threads-not-blocking=0",
                    "attempt \(attempt)")
            #expect(status == 0, "attempt \(attempt): probe exit status \(status); output:\n\(output)")
        }
    }

    /// Runs the probe (built next to this test binary) to completion; a hung probe is killed by
    /// its own PID after 60 s.
    static func runProbe() throws -> (Int32, String) {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("SignalReceiverProbe") }
        let probe = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                                 "SignalReceiverProbe not built next to \(directory.path)")
        let process = Process()
        process.executableURL = probe
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { [pid = process.processIdentifier] in kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
