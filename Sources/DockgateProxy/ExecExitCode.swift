import Dispatch
import DockgateAudit
import DockgateDocker

#if canImport(Glibc)
import Glibc
#endif

/// The exit code of an exec whose tunnel just ended, for its `session_close` record: "who ran
/// which command, and did it succeed" from the log alone.
///
/// The daemon is asked (`GET /exec/{id}/json`, as the docker CLI does after `docker exec`) on a
/// queue of its own with a blocking request bounded by `DaemonClient.timeoutSeconds`:
/// never on a connection's event loop, which goes on at once. The record is written from that
/// queue when the answer is in (or without `exit_code` when there is none), so it may follow
/// the connection's `connection_close` record by a few milliseconds.
struct ExecExitCode: Sendable {
    let daemon: DaemonClient
    /// Serial: at most one question in flight, however many execs end at once.
    static let queue = DispatchQueue(label: "dockgate.exec-exit-code", qos: .utility)
    /// dockerd marks the exec finished a moment after the stream closes; ask again meanwhile.
    static let attempts = 10
    static let retryMicroseconds: UInt32 = 100_000

    /// Writes `record` with `exit_code` added once the daemon knows it.
    func recordWhenKnown(_ record: AuditRecord, execID: String, writer: AuditWriter, trail: AuditTrail) {
        Self.queue.async {
            var record = record
            if let code = exitCode(of: execID) { record.details.append(("exit_code", .int(code))) }
            writer.submit([record], to: trail)
        }
    }

    /// Blocking; call off the event loops.
    func exitCode(of execID: String) -> Int64? {
        guard let segment = DaemonClient.pathSegment(execID) else { return nil }
        for attempt in 1...Self.attempts {
            guard case .success(let exec?) = daemon.object("/exec/\(segment)/json") else { return nil }
            if let code = Self.finishedExitCode(exec) { return code }
            if attempt < Self.attempts { usleep(Self.retryMicroseconds) }
        }
        return nil
    }

    /// `ExitCode` of an exec inspect answer once `Running` is false (it is null before).
    static func finishedExitCode(_ exec: JSONObject) -> Int64? {
        if case .bool(true)? = exec.member("Running") { return nil }
        guard case .number(let number)? = exec.member("ExitCode") else { return nil }
        return number.int64Value
    }
}
