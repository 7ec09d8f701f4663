import DockgateAuthorization
import DockgateAudit
import DockgateHTTP

/// What the driver must do for a `ConnectionMachine`. Actions that take time (judging,
/// connecting, audit writes that must be durable) come back as events.
enum ConnectionAction {
    case sendToClient([UInt8])
    case sendToUpstream([UInt8])
    /// Judge a request head (answer: `.headJudged`).
    case judgeHead(RequestHead)
    /// Decide a request after its head verdict: body rules and the daemon's facts, which may take
    /// a while and run off the event loop (answer: `.requestJudged`).
    case judgeRequest(PendingJudgement)
    /// `awaitsWrite`: the machine waits for `.auditWritten` before going on.
    case writeAudit(AuditRecord, awaitsWrite: Bool)
    /// An exec session ended: its record is completed with the exit code, asked of the daemon off
    /// the loop, and written after everything recorded so far.
    case recordExecSessionEnd(AuditRecord, execID: String)
    case connectUpstream
    /// Close the daemon connection (its idle close, or our side is done with it).
    case closeUpstream
    case shutdownUpstreamWrite
    case armTimer(ConnectionTimer, seconds: Double)
    case cancelTimer
    /// Our side of the client connection is done: close_notify (when `closeNotify` and the
    /// session allows it), then shut down the write side. Reading goes on until the client's EOF.
    case finishClient(closeNotify: Bool)
    /// Send these bytes as they are, outside TLS (the plaintext-HTTP refusal).
    case sendPlaintextToClient([UInt8])
    /// Close both sockets and forget the connection.
    case close(reason: String)
}

/// A request waiting for its decision: the head verdict said allow (or inspect the body, which is
/// then here), and the rest of the decision is the driver's to make.
struct PendingJudgement {
    let head: RequestHead
    let headBytes: [UInt8]
    let verdict: AccessVerdict
    /// The body as it came (framed), when it was held for inspection.
    let heldBody: [UInt8]?
    /// The body decoded from its framing, when it was held.
    let payload: [UInt8]?
}
