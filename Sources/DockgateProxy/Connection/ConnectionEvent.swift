import DockgateAuthorization
import DockgateCore
import DockgateHTTP

/// What happened to a connection, told to its `ConnectionMachine` by the driver.
enum ConnectionEvent {
    /// The client's first bytes were plaintext HTTP: refused the way dockerd refuses them.
    case plaintextRefused
    /// The TLS handshake finished with a verified client certificate.
    case handshakeCompleted(ClientIdentity)
    /// The handshake failed; `alertSent` when an alert is in the socket (so the close lingers).
    case handshakeFailed(reason: String, subject: String?, alertSent: Bool)

    /// Decrypted bytes from the client (or, while lingering, bytes that are discarded).
    case clientBytes([UInt8])
    /// The client sent close_notify or a clean EOF.
    case clientEnded
    /// Reading from or writing to the client failed; nothing more can be exchanged with it.
    case clientFailed(String)
    /// This many bytes of what the machine asked to send reached the client's TLS session.
    case wroteToClient(Int)

    case upstreamConnected
    case upstreamConnectFailed(String)
    case upstreamBytes([UInt8])
    /// The daemon closed its side (or reading from it failed).
    case upstreamEnded
    case upstreamWriteFailed(String)
    case wroteToUpstream(Int)

    /// The head rules' answer to `judgeHead` (synchronous: pure computation).
    case headJudged(AccessVerdict)
    /// The whole decision for a request: body rules and the daemon's facts about its objects.
    case requestJudged(RequestJudgement)
    /// The record of a `writeAudit(…, awaitsWrite: true)` is with every sink (or not: `false`
    /// means a fail-closed sink refused it).
    case auditWritten(Bool)

    case timerFired(ConnectionTimer)
    /// The server drains: finish the exchange in flight, then close; idle connections close now.
    case drainRequested
    /// The connection must end now (server shutdown, identity revoked by a reload).
    case closeRequested(String)
}

/// A request's final decision, with what exactly is forwarded when it is allowed.
enum RequestJudgement {
    /// Forward `headBytes` and `body` (the held body, possibly rewritten; `nil` when the body is
    /// streamed after the head).
    case allow(AccessContext, headBytes: [UInt8], body: [UInt8]?)
    case deny(status: Int, message: String, AccessContext)
}
