import DockgateAuthorization
import DockgateAudit
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgateIO
import DockgatePolicy
import Logging

/// One client connection's protocol logic, with no I/O: events in, actions out.
///
/// The driver (`ClientConnection`) owns the sockets, the TLS session and the timer source; it
/// tells the machine what happened (`handle(_:into:)`) and carries out the actions it gets back,
/// feeding the answers of slow ones (a decision, an audit write, an upstream connect) back as
/// events. The machine keeps the HTTP framing of both directions, the request's path through
/// judging and recording, the tunnel's half-closes, the timers and the audit bookkeeping, so all
/// of it can be driven by unit tests with bytes and a hand-moved clock.
///
/// It counts the bytes it asked the driver to send and not yet reported written: those counts
/// are the backpressure (`wantsClientBytes`, `wantsUpstreamBytes`) and tell when a side has been
/// flushed (a half-close or a close waits for that).
///
/// Its stored properties are internal only because its extensions live in files of their own;
/// nothing but the machine changes them.
struct ConnectionMachine {
    enum State {
        /// Plaintext detection and the TLS handshake (the driver's work), under the handshake timer.
        case handshaking
        case http(HTTPState)
        case tunnel(TunnelState)
        /// Our side is done; the client's input is read and discarded until its EOF or the linger timer.
        case lingering
        case closed
    }

    struct HTTPState {
        var request: RequestStage = .awaitingHead
        var response: ResponseStage = .idle
        /// The client finished sending (close_notify or EOF).
        var clientEnded = false
    }

    struct TunnelState {
        var clientEnded: Bool
        var upstreamEnded = false
        var upstreamWriteShut = false
    }

    /// Where the request at the front of the connection is.
    enum RequestStage {
        case awaitingHead
        /// `judgeHead` was asked; its answer comes as `headJudged`.
        case judgingHead(RequestHead)
        /// The policy must read this body before anything is forwarded.
        case collectingBody(HeldRequest)
        /// `judgeRequest` was asked; nothing of the request has been forwarded, and nothing after
        /// it is read as HTTP meanwhile.
        case judging(RequestHead, bodyRead: Bool)
        /// The decision's record is being written; what follows it waits for `auditWritten`.
        case recording(Decided, AuditRecord)
        /// Allowed and recorded; the daemon connection is being opened.
        case connecting(Forward)
        case forwardingBody(BodyScanner)
        /// The request is fully sent; the next head is parsed only when its response is complete.
        case awaitingResponse
        /// A final answer is queued: once the client has it all, the connection closes.
        case closing
    }

    /// A request held back while its body is read for inspection.
    struct HeldRequest {
        let head: RequestHead
        let headBytes: [UInt8]
        var scanner: BodyScanner
        var body: [UInt8] = []
        let kind: BodyKind
        let context: AccessContext
    }

    /// What a recorded decision leads to.
    enum Decided {
        case forward(Forward)
        case refuse(RequestHead, bodyRead: Bool, status: Int, message: String)
        /// The request could not be read: answered, and nothing more is read as HTTP.
        case reject(status: Int, message: String, method: String?)
    }

    /// An allowed request, exactly as it goes to the daemon.
    struct Forward {
        let head: RequestHead
        let headBytes: [UInt8]
        let body: [UInt8]?
        let context: AccessContext
    }

    /// One request and what its response needs to know about it.
    struct Exchange {
        let method: String
        /// The route's action, when the route is known.
        let action: DockerAction?
        let isUpgradeRequest: Bool
        let requestKeepAlive: Bool
    }

    enum ResponseStage {
        case idle
        case awaitingHead(Exchange)
        /// `untilClose`: the body ends only when the daemon closes (no length, not chunked).
        case forwardingBody(BodyScanner, Exchange, keepAlive: Bool, untilClose: Bool)
    }

    var state = State.handshaking
    var limits: ProxyLimits
    /// Largest body read for inspection (the gate's limit; replaced on reload with it).
    var maxInspectedBodyBytes: Int
    var logger: Logger
    let clock: any ConnectionClock
    let connectionID: ConnectionID
    let peer: PeerAddress
    /// Named in the answer when the daemon cannot be reached.
    let upstreamDescription: String

    var identity: ClientIdentity?
    /// The server is shutting down: finish the exchange in flight, then close.
    var isDraining = false
    /// Whether a daemon connection is open (or being opened for the request in `.connecting`).
    var hasUpstream = false
    /// The deadline armed now, if any: a firing for another is stale and ignored.
    var armedTimer: ConnectionTimer?

    /// Asked of the driver and not yet reported written.
    var pendingToClient = 0
    var pendingToUpstream = 0
    /// Decrypted client bytes not yet parsed or forwarded.
    var clientInbound = ByteQueue()
    /// Daemon bytes not yet parsed (HTTP only).
    var upstreamInbound = ByteQueue()
    var requestParser: RequestHeadParser
    var responseParser: ResponseHeadParser

    var audit: ConnectionAuditTrail

    init(
        connectionID: ConnectionID, peer: PeerAddress, limits: ProxyLimits, maxInspectedBodyBytes: Int,
        upstreamDescription: String, clock: any ConnectionClock, logger: Logger
    ) {
        self.connectionID = connectionID
        self.peer = peer
        self.limits = limits
        self.maxInspectedBodyBytes = maxInspectedBodyBytes
        self.upstreamDescription = upstreamDescription
        self.clock = clock
        self.logger = logger
        self.requestParser = RequestHeadParser(maxHeadBytes: limits.maxRequestHeadBytes)
        self.responseParser = ResponseHeadParser(maxHeadBytes: limits.maxResponseHeadBytes)
        self.audit = ConnectionAuditTrail(connectionID: connectionID, peer: peer, clock: clock)
    }

    /// The first actions: the handshake deadline.
    mutating func start(into actions: inout [ConnectionAction]) {
        arm(.handshake, after: limits.handshakeTimeout, &actions)
    }

    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Past the handshake and not yet closing: bytes are relayed (HTTP or a tunnel). Matched
    /// without binding the payloads, so asking copies nothing.
    var isRelaying: Bool {
        switch state {
        case .http, .tunnel: return true
        case .handshaking, .lingering, .closed: return false
        }
    }

    // MARK: Interest

    /// Whether the driver should read the client now: there is room for what it sends.
    var wantsClientBytes: Bool {
        switch state {
        case .handshaking, .closed:
            return false
        case .lingering:
            return true
        case .tunnel(let tunnel):
            return !tunnel.clientEnded && pendingToUpstream + clientInbound.count < limits.relayBufferBytes
        case .http(let http):
            guard !http.clientEnded else { return false }
            let limit: Int
            switch http.request {
            case .closing: return false
            // An incomplete head may grow up to the head limit, so the parser can refuse it.
            case .awaitingHead: limit = max(limits.clientBufferBytes, limits.maxRequestHeadBytes + 1)
            default: limit = limits.clientBufferBytes
            }
            return clientInbound.count < limit && pendingToUpstream < limits.relayBufferBytes
        }
    }

    /// Whether the driver should read the daemon now.
    var wantsUpstreamBytes: Bool {
        guard hasUpstream else { return false }
        switch state {
        case .tunnel(let tunnel):
            return !tunnel.upstreamEnded && pendingToClient < limits.relayBufferBytes
        case .http(let http):
            if case .closing = http.request { return false }
            if case .connecting = http.request { return false }
            return pendingToClient < limits.relayBufferBytes
        default:
            return false
        }
    }

    // MARK: Events

    mutating func handle(_ event: ConnectionEvent, into actions: inout [ConnectionAction]) {
        switch state {
        case .closed:
            return
        case .handshaking:
            handshakeEvent(event, &actions)
        case .lingering:
            lingeringEvent(event, &actions)
        case .http, .tunnel:
            exchangeEvent(event, &actions)
        }
    }

    private mutating func exchangeEvent(_ event: ConnectionEvent, _ actions: inout [ConnectionAction]) {
        switch event {
        case .clientBytes(let bytes):
            if case .tunnel = state {
                audit.tunnelBytes(fromClient: bytes.count)
                send(toUpstream: bytes, &actions)
            } else {
                clientInbound.append(bytes)
            }
        case .clientEnded:
            switch state {
            case .http(var http): http.clientEnded = true; state = .http(http)
            case .tunnel(var tunnel): tunnel.clientEnded = true; state = .tunnel(tunnel)
            default: break
            }
        case .clientFailed(let reason):
            logger.debug("client connection failed", metadata: ["reason": "\(reason)"])
            close(reason: reason, &actions)
            return
        case .wroteToClient(let count):
            pendingToClient -= count
        case .wroteToUpstream(let count):
            pendingToUpstream -= count
        case .upstreamBytes(let bytes):
            if case .tunnel = state {
                audit.tunnelBytes(toClient: bytes.count)
                send(toClient: bytes, &actions)
            } else {
                upstreamInbound.append(bytes)
                processUpstreamInbound(&actions)
            }
        case .upstreamEnded:
            upstreamEnded(&actions)
        case .upstreamWriteFailed(let reason):
            logger.notice("writing to the Docker daemon failed", metadata: ["error": "\(reason)"])
            close(reason: "upstream write failed", &actions)
            return
        case .upstreamConnected:
            upstreamConnected(&actions)
        case .upstreamConnectFailed(let reason):
            upstreamConnectFailed(reason, &actions)
        case .headJudged(let verdict):
            headJudged(verdict, &actions)
        case .requestJudged(let judgement):
            requestJudged(judgement, &actions)
        case .auditWritten(let written):
            auditWritten(written, &actions)
        case .timerFired(let timer):
            timerFired(timer, &actions)
        case .drainRequested:
            isDraining = true
            if case .http(let http) = state, case .awaitingHead = http.request, case .idle = http.response, clientInbound.isEmpty {
                beginGracefulClose(&actions)
                return
            }
        case .closeRequested(let reason):
            close(reason: reason, &actions)
            return
        case .plaintextRefused, .handshakeCompleted, .handshakeFailed:
            return
        }
        advance(&actions)
    }

    /// Moves the exchange on as far as the bytes at hand allow, then carries each side's end of
    /// stream to the other.
    private mutating func advance(_ actions: inout [ConnectionAction]) {
        while processClientInbound(&actions) {}
        advanceHalfClose(&actions)
    }

    // MARK: Sending

    mutating func send(toClient bytes: [UInt8], _ actions: inout [ConnectionAction]) {
        guard !bytes.isEmpty else { return }
        pendingToClient += bytes.count
        actions.append(.sendToClient(bytes))
    }

    mutating func send(toUpstream bytes: [UInt8], _ actions: inout [ConnectionAction]) {
        guard !bytes.isEmpty else { return }
        pendingToUpstream += bytes.count
        actions.append(.sendToUpstream(bytes))
    }

    // MARK: Timers

    mutating func arm(_ timer: ConnectionTimer, after seconds: Double, _ actions: inout [ConnectionAction]) {
        armedTimer = timer
        actions.append(.armTimer(timer, seconds: seconds))
    }

    mutating func cancelTimer(_ actions: inout [ConnectionAction]) {
        guard armedTimer != nil else { return }
        armedTimer = nil
        actions.append(.cancelTimer)
    }

    mutating func armIdleTimer(_ actions: inout [ConnectionAction]) {
        arm(.idle, after: limits.idleTimeout, &actions)
    }

    private mutating func timerFired(_ timer: ConnectionTimer, _ actions: inout [ConnectionAction]) {
        guard armedTimer == timer else { return }
        armedTimer = nil
        switch timer {
        case .idle:
            logger.debug("idle keep-alive connection closed")
            let seconds = limits.idleTimeout
            audit.closeCause = "idle timeout: no request for \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)) s"
            beginGracefulClose(&actions)
        case .head:
            logger.info("request head timed out")
            reject(status: 408, message: "dockgate: request head not received in time", method: nil, &actions)
        case .body:
            logger.info("request body for inspection not received in time")
            var method: String?
            if case .http(let http) = state, case .collectingBody(let held) = http.request { method = held.head.method }
            reject(status: 408, message: "dockgate: request body not received in time", method: method, &actions)
        case .handshake, .linger:
            break
        }
    }

    // MARK: State helpers

    /// The HTTP state, when the connection is in HTTP.
    var http: HTTPState? {
        if case .http(let http) = state { return http }
        return nil
    }

    /// The HTTP state, changed in place.
    mutating func updateHTTP(_ change: (inout HTTPState) -> Void) {
        guard case .http(var http) = state else { return }
        change(&http)
        state = .http(http)
    }
}
