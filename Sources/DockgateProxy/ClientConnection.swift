import Dispatch
import DockgateAuthorization
import DockgateCore
import DockgateIO
import DockgateTLS
import Logging

/// The driver of one client connection: its two sockets, its TLS session and its timer, run on
/// the serial queue of the event loop it was given. What the bytes mean — HTTP framing, the
/// request's way through judging and recording, tunnels, half-closes, timeouts, audit records —
/// is the `ConnectionMachine`'s; this type moves bytes, tells the machine what happened and
/// carries out what it asks.
///
/// Threading: every property is touched only on `queue` (hence `@unchecked Sendable`); work
/// that may block (a decision that asks the daemon or the file system, the upstream connect)
/// runs elsewhere and comes back to `queue` as an event.
/// `drive()` moves whatever bytes can move and then sets the read/write interest of both sockets
/// from the machine's state, so no event can be missed and no level-triggered source is left
/// spinning.
final class ClientConnection: @unchecked Sendable {
    let id = ConnectionID.next()
    let peer: PeerAddress
    let queue: DispatchQueue
    let poller: LoopPoller
    let scratch: UnsafeMutableRawBufferPointer
    let auditBatch: AuditBatch
    /// Replaced on reload; the TLS session keeps the context it was made from.
    var environment: ProxyEnvironment
    var limits: ProxyLimits { environment.limits }
    let onClose: @Sendable (ConnectionID) -> Void

    var machine: ConnectionMachine
    /// Actions the machine asked for and not yet carried out (kept to reuse its storage).
    private var pendingActions: [ConnectionAction] = []
    private var isPerformingActions = false

    var client: SocketEvents!
    var tls: TLSSession?
    var upstream: SocketEvents?
    /// Before the first bytes: plaintext HTTP is answered the way dockerd answers it.
    var isDetectingPlaintext = true

    var toClient = ChunkQueue()
    var toUpstream = ChunkQueue()
    var handshakeWants = TLSWant.read
    /// What the last TLS write (or read) is waiting for before it can be retried.
    var tlsWriteWants: TLSWant?
    var tlsReadWants: TLSWant?
    var isUpstreamWriteBlocked = false

    let timer: PhaseTimer

    enum TLSWant { case read, write }

    /// The verified client, once the handshake is done.
    var identity: ClientIdentity? { machine.identity }
    var logger: Logger { machine.logger }

    init(
        fd: Int32, peer: PeerAddress, loop: LoopGroup.Loop, environment: ProxyEnvironment,
        onClose: @escaping @Sendable (ConnectionID) -> Void
    ) {
        self.peer = peer
        // The loop's own serial queue: every connection on a loop is serialized anyway, and a
        // per-connection queue targeting it would add a hop (and a wake-up) to every event.
        self.queue = loop.queue
        self.poller = loop.poller
        self.scratch = loop.scratch
        self.auditBatch = loop.auditBatch
        self.environment = environment
        self.onClose = onClose
        self.timer = PhaseTimer(queue: queue)
        var logger = environment.logger
        logger[metadataKey: "connection"] = "\(id)"
        logger[metadataKey: "peer"] = "\(peer)"
        self.machine = ConnectionMachine(
            connectionID: id, peer: peer, limits: environment.limits, maxInspectedBodyBytes: environment.gate.maxInspectedBodyBytes,
            upstreamDescription: environment.upstream.path, clock: SystemConnectionClock(), logger: logger)
        self.client = watch(fd)
    }

    /// Registers a socket of this connection with its loop: any readiness drives the connection.
    /// Weak, and strong while a handler runs: a close inside may release the connection.
    func watch(_ fd: Int32) -> SocketEvents {
        SocketEvents(fd: fd, poller: poller, onReadable: { [weak self] in self?.drive() }, onWritable: { [weak self] in self?.drive() })
    }

    /// Starts serving; called once, from any thread.
    func start() {
        queue.async {
            self.machine.start(into: &self.pendingActions)
            self.performPendingActions()
            self.client.setInterest(read: true, write: false)
        }
    }

    /// Takes a reloaded configuration: the next request is judged by it, and a certificate that
    /// no longer names a user (removed, re-pinned, revoked) loses the connection, tunnels included.
    func adopt(_ fresh: ProxyEnvironment) {
        queue.async {
            guard !self.machine.isClosed else { return }
            self.environment = fresh
            self.machine.limits = fresh.limits
            self.machine.maxInspectedBodyBytes = fresh.gate.maxInspectedBodyBytes
            if let identity = self.identity, !fresh.gate.admits(identity) {
                self.logger.notice("closing connection: its certificate no longer names a user after reload")
                self.feed(.closeRequested("identity revoked by reload"))
            }
        }
    }

    /// Shutdown, first stage: an idle connection closes now (close_notify); one with a request in
    /// flight closes when that exchange is complete. Tunnels keep running until `terminate`.
    func drain() {
        queue.async {
            self.feed(.drainRequested)
            self.drive()
        }
    }

    /// Shutdown, last stage: close_notify where the session allows it, then close.
    func terminate() {
        queue.async {
            guard !self.machine.isClosed else { return }
            if let tls = self.tls, !tls.hasFailed, self.machine.isRelaying {
                _ = tls.sendCloseNotify()
            }
            self.feed(.closeRequested("server shutting down"))
        }
    }

    /// Tells the machine what happened and carries out what it asks, in order. Answers that
    /// come at once (a head verdict) are fed back from inside, and their actions join the queue.
    func feed(_ event: ConnectionEvent) {
        machine.handle(event, into: &pendingActions)
        performPendingActions()
    }

    private func performPendingActions() {
        guard !isPerformingActions else { return }
        isPerformingActions = true
        var index = 0
        while index < pendingActions.count {
            let action = pendingActions[index]
            index += 1
            perform(action)
        }
        pendingActions.removeAll(keepingCapacity: true)
        isPerformingActions = false
    }

    /// Moves every byte that can move, then re-derives socket interest from the new state.
    func drive() {
        dispatchPrecondition(condition: .onQueue(queue))
        switch machine.state {
        case .handshaking: isDetectingPlaintext ? detectPlaintext() : continueHandshake()
        case .http, .tunnel: pump()
        case .lingering: drainLinger()
        case .closed: return
        }
        updateInterest()
    }

    /// Relays in both directions until nothing moves any more.
    func pump() {
        var rounds = 0
        while machine.isRelaying {
            rounds += 1
            var moved = readClient()
            moved = flushToUpstream() || moved
            moved = readUpstream() || moved
            moved = flushToClient() || moved
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
        let wantsClientRead: Bool
        let wantsClientWrite: Bool
        switch machine.state {
        case .handshaking:
            wantsClientRead = isDetectingPlaintext || handshakeWants == .read
            wantsClientWrite = !isDetectingPlaintext && handshakeWants == .write
        case .http, .tunnel:
            wantsClientRead = machine.wantsClientBytes || tlsWriteWants == .read
            wantsClientWrite = tlsWriteWants == .write || tlsReadWants == .write
        case .lingering:
            (wantsClientRead, wantsClientWrite) = (true, false)
        case .closed:
            return
        }
        client.setInterest(read: wantsClientRead, write: wantsClientWrite)
        upstream?.setInterest(read: machine.wantsUpstreamBytes, write: isUpstreamWriteBlocked && !toUpstream.isEmpty)
    }
}
