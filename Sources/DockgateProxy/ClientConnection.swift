import Dispatch
import DockgateAuthorization
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgateIO
import DockgatePolicy
import DockgateTLS
import Logging

/// One client's life: TLS handshake, then HTTP requests one at a time (each checked on its own,
/// keep-alive and pipelined ones too), each streamed to one upstream unix connection, until a
/// 101 turns both into a raw tunnel.
///
/// Threading: every property is touched only on `queue`, the serial queue of the event loop the
/// connection was given; both sockets' Dispatch sources, the timer and the `SSL *` run there
/// (hence `@unchecked Sendable`).
/// All work is done by `drive()`, which moves whatever bytes can move and then sets the
/// read/write interest of both sockets from the resulting state, so no event can be missed and
/// no level-triggered source is left spinning.
final class ClientConnection: @unchecked Sendable {
    enum Phase: Equatable {
        /// Waiting for the first bytes, to answer plaintext HTTP the way dockerd does.
        case detectingPlaintext
        case handshaking
        case http
        case tunnel
        /// Our side is finished; draining the client until its EOF so no RST destroys what we sent.
        case lingering
        case closed
    }

    enum RequestState {
        case awaitingHead
        case forwardingBody(BodyScanner)
        /// The policy must read this body before anything is forwarded.
        case collectingBody(HeldRequest)
        /// Judged by head and body; the daemon is being asked about the objects it names (off the
        /// loop). Nothing of it has been forwarded, and nothing after it is read as HTTP meanwhile.
        case awaitingFacts
        /// The request is fully sent; the next head is parsed only when its response is complete.
        case awaitingResponse
        /// After a rejected request nothing more is read as HTTP.
        case rejected
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

    /// One request and what its response needs to know about it.
    struct Exchange {
        let method: String
        /// The route's action name (`container.attach`…), when the route is known.
        let action: String?
        let isUpgradeRequest: Bool
        let requestKeepAlive: Bool
    }

    enum ResponseState {
        case idle
        case awaitingHead(Exchange)
        /// `untilClose`: the body ends only when the daemon closes (no length, not chunked).
        case forwardingBody(BodyScanner, Exchange, keepAlive: Bool, untilClose: Bool)
    }

    let id = ConnectionID.next()
    let peer: PeerAddress
    let queue: DispatchQueue
    let scratch: UnsafeMutableRawBufferPointer
    let auditBatch: AuditBatch
    /// Replaced on reload; the TLS session keeps the context it was made from.
    var environment: ProxyEnvironment
    var limits: ProxyLimits { environment.limits }
    var logger: Logger
    private let onClose: @Sendable (ConnectionID) -> Void

    var phase = Phase.detectingPlaintext
    var client: SocketEvents!
    var tls: TLSSession?
    var identity: ClientIdentity?
    var upstream: SocketEvents?

    var requestState = RequestState.awaitingHead
    var responseState = ResponseState.idle
    var requestParser: RequestHeadParser
    var responseParser: ResponseHeadParser

    /// Decrypted client bytes not yet parsed or forwarded.
    var clientInbound = ByteQueue()
    var toUpstream = ChunkQueue()
    /// Daemon bytes not yet parsed (HTTP mode only).
    var upstreamInbound = ByteQueue()
    var toClient = ChunkQueue()

    var isClientReadClosed = false
    var isUpstreamReadClosed = false
    var isUpstreamWriteShut = false
    /// Once `toClient` is flushed, send close_notify and linger.
    var closesAfterFlush = false
    /// The server is shutting down: finish the exchange in flight, then close.
    var isDraining = false

    var handshakeWants = TLSWant.read
    /// What the last TLS write (or read) is waiting for before it can be retried.
    var tlsWriteWants: TLSWant?
    var tlsReadWants: TLSWant?
    var isUpstreamWriteBlocked = false

    let timer: PhaseTimer

    /// Requests judged on this connection so far (the audit sequence number).
    var sequence = 0
    var exchangeAudit: ExchangeAudit?
    var tunnelAudit: TunnelAudit?
    /// Why a graceful close began, when a timer began it (its `connection_close` record says so).
    var closeCause: String?
    let openedNanos = DispatchTime.now().uptimeNanoseconds

    enum TLSWant { case read, write }

    init(
        fd: Int32, peer: PeerAddress, loop: LoopGroup.Loop, environment: ProxyEnvironment,
        onClose: @escaping @Sendable (ConnectionID) -> Void
    ) {
        self.peer = peer
        // The loop's own serial queue: every connection on a loop is serialized anyway, and a
        // per-connection queue targeting it would add a hop (and a wake-up) to every event.
        self.queue = loop.queue
        self.scratch = loop.scratch
        self.auditBatch = loop.auditBatch
        self.environment = environment
        self.onClose = onClose
        self.requestParser = RequestHeadParser(maxHeadBytes: environment.limits.maxRequestHeadBytes)
        self.responseParser = ResponseHeadParser(maxHeadBytes: environment.limits.maxResponseHeadBytes)
        self.timer = PhaseTimer(queue: queue)
        var logger = environment.logger
        logger[metadataKey: "connection"] = "\(id)"
        logger[metadataKey: "peer"] = "\(peer)"
        self.logger = logger
        self.client = SocketEvents(
            fd: fd, queue: queue, onReadable: { [unowned self] in self.drive() },
            onWritable: { [unowned self] in self.drive() })
    }

    /// Starts serving; called once, from any thread.
    func start() {
        queue.async {
            self.timer.arm(after: self.limits.handshakeTimeout) { [unowned self] in self.handshakeTimedOut() }
            self.client.setInterest(read: true, write: false)
        }
    }

    /// Takes a reloaded configuration: the next request is judged by it, and a certificate that
    /// no longer names a user (removed, re-pinned, revoked) loses the connection, tunnels included.
    func adopt(_ fresh: ProxyEnvironment) {
        queue.async {
            guard self.phase != .closed else { return }
            self.environment = fresh
            if let identity = self.identity, !fresh.gate.admits(identity) {
                self.logger.notice("closing connection: its certificate no longer names a user after reload")
                self.closeNow(reason: "identity revoked by reload")
            }
        }
    }

    /// Shutdown, first stage: an idle connection closes now (close_notify); one with a request in
    /// flight closes when that exchange is complete. Tunnels keep running until `terminate`.
    func drain() {
        queue.async {
            guard self.phase != .closed else { return }
            self.isDraining = true
            switch (self.phase, self.requestState, self.responseState) {
            case (.detectingPlaintext, _, _), (.handshaking, _, _):
                self.closeNow(reason: "server shutting down")
            case (.http, .awaitingHead, .idle) where self.clientInbound.isEmpty:
                self.beginGracefulClose()
            default:
                break
            }
            self.drive()
        }
    }

    /// Shutdown, last stage: close_notify where the session allows it, then close.
    func terminate() {
        queue.async {
            guard self.phase != .closed else { return }
            if let tls = self.tls, !tls.hasFailed, self.phase == .http || self.phase == .tunnel {
                _ = tls.sendCloseNotify()
            }
            self.closeNow(reason: "server shutting down")
        }
    }

    /// Moves every byte that can move, then re-derives socket interest from the new state.
    func drive() {
        dispatchPrecondition(condition: .onQueue(queue))
        switch phase {
        case .detectingPlaintext: detectPlaintext()
        case .handshaking: continueHandshake()
        case .http, .tunnel: pump()
        case .lingering: drainLinger()
        case .closed: return
        }
        updateInterest()
    }

    /// Relays in both directions until nothing moves any more.
    func pump() {
        var rounds = 0
        while phase == .http || phase == .tunnel {
            rounds += 1
            var moved = readClient()
            moved = processClientInbound() || moved
            moved = flushToUpstream() || moved
            moved = readUpstream() || moved
            moved = flushToClient() || moved
            moved = advanceHalfClose() || moved
            // Bounded so one busy connection yields its loop to the others; a level-triggered
            // source or the re-scheduled block brings us back.
            if !moved { break }
            if rounds == 32 {
                queue.async { [weak self] in self?.drive() }
                break
            }
        }
    }

    private func updateInterest() {
        guard phase != .closed else { return }
        let wantsClientRead: Bool
        let wantsClientWrite: Bool
        switch phase {
        case .detectingPlaintext:
            (wantsClientRead, wantsClientWrite) = (true, false)
        case .handshaking:
            (wantsClientRead, wantsClientWrite) = (handshakeWants == .read, handshakeWants == .write)
        case .http, .tunnel:
            wantsClientRead = canReadClient || tlsWriteWants == .read
            wantsClientWrite = tlsWriteWants == .write || tlsReadWants == .write
        case .lingering:
            (wantsClientRead, wantsClientWrite) = (true, tlsWriteWants == .write)
        case .closed:
            return
        }
        client.setInterest(read: wantsClientRead, write: wantsClientWrite)
        upstream?.setInterest(read: canReadUpstream, write: isUpstreamWriteBlocked && !toUpstream.isEmpty)
    }

    /// Full, immediate close of both sockets (after an error, or once lingering is over).
    func closeNow(reason: String) {
        guard phase != .closed else { return }
        let wasHandshaking = phase == .detectingPlaintext || phase == .handshaking
        phase = .closed
        logger.debug("connection closed", metadata: ["reason": "\(reason)"])
        if !wasHandshaking { auditConnectionClosed(reason: reason) }
        timer.cancel()
        client.close()
        upstream?.close()
        upstream = nil
        tls = nil
        clientInbound.removeAll()
        upstreamInbound.removeAll()
        toClient.removeAll()
        toUpstream.removeAll()
        onClose(id)
    }
}
