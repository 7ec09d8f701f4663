import Dispatch
import DockgateAudit
import DockgateAuthorization
import DockgateConfig
import DockgateCore
import DockgateIO
import DockgateTLS
import Foundation
import Logging

/// The running proxy: listeners, the TLS context, and the set of live connections.
public final class ProxyServer: @unchecked Sendable {
    private let logger: Logger
    private let loops: LoopGroup
    /// Where every audit record is written, off the loops; kept across reloads so records stay in order.
    private let auditWriter = AuditWriter()
    private let state = NSLock()
    private var environment: ProxyEnvironment
    private var listeners: [Listener] = []
    private var connections: [ConnectionID: ClientConnection] = [:]
    /// Counted from the audit records and a few server events; kept across reloads.
    public let metrics: ProxyMetrics
    /// `metrics.listen` as started: a reload does not move the listener (restart to change it).
    private let metricsSettings: Configuration.MetricsSettings?
    private var metricsEndpoint: MetricsEndpoint?

    public init(configuration: Configuration, logger: Logger) throws {
        self.logger = logger
        let limits = configuration.limits
        self.loops = try LoopGroup(scratchBytes: limits.readChunkBytes, auditWriter: auditWriter)
        self.metrics = ProxyMetrics(users: configuration.users.map(\.commonName))
        self.metricsSettings = configuration.metrics
        self.environment = try Self.makeEnvironment(configuration, metrics: metrics, logger: logger)
    }

    static func makeEnvironment(
        _ configuration: Configuration, metrics: ProxyMetrics? = nil, logger: Logger
    ) throws -> ProxyEnvironment {
        let settings = ServerTLSSettings(
            certificatePath: configuration.tls.certificate, keyPath: configuration.tls.key,
            clientCAPath: configuration.tls.clientCA, crlPath: configuration.tls.crl,
            allowClientCertificatesWithoutEKU: configuration.tls.allowClientCertificatesWithoutEKU)
        guard case .unix(let upstreamPath) = configuration.upstream else {
            throw SystemError(call: "upstream must be a unix socket", errno: EINVAL)
        }
        // A bind folder a container could fill with symlinks the daemon follows is refused here,
        // so neither start nor reload serves with one (THREATS M-02).
        try BindRootMountCheck.verify(configuration)
        let unprotected = BindRootMountCheck.unprotectedRoots(configuration)
        if !unprotected.isEmpty {
            logger.warning(
                "bind_mounts.require_nosymfollow is false: these bind folders are not on nosymfollow mounts, so a symlink planted by a container can redirect a bind",
                metadata: ["folders": "\(unprotected.joined(separator: ", "))"])
        }
        let context = try ServerContext(settings: settings)
        let audit = try makeAuditTrail(configuration.audit, observer: metrics, logger: logger)
        return ProxyEnvironment(
            tlsContext: context,
            limits: configuration.limits,
            upstream: UpstreamConnector(path: upstreamPath),
            gate: Authorizer(
                configuration: configuration, revokedSerials: context.revokedSerials, resolver: SymlinkResolvingPathResolver()),
            daemonFacts: DaemonObjectFacts(client: DaemonClient(socketPath: upstreamPath)),
            audit: audit,
            logger: logger)
    }

    static func makeAuditTrail(
        _ settings: Configuration.AuditSettings, observer: (any AuditObserver)? = nil, logger: Logger
    ) throws -> AuditTrail {
        var sinks: [any AuditSink] = []
        if let path = settings.file { sinks.append(try FileAuditSink(path: path)) }
        if settings.journald { sinks.append(JournalAuditSink()) }
        if settings.stdout { sinks.append(StdoutAuditSink()) }
        return AuditTrail(sinks: sinks, failureMode: settings.failClosed ? .failClosed : .failOpen, observer: observer) { sink, error in
            logger.error("audit sink failed", metadata: ["sink": "\(sink)", "error": "\(error)"])
        }
    }

    /// Reopens audit files (logrotate moved them away): SIGUSR1.
    public func reopenAuditFiles() {
        // Queued behind the writes already submitted, so no write is cut in two.
        auditWriter.reopenAll(state.withLock { environment }.audit)
        logger.notice("audit files reopened")
    }

    /// Opens the configured listeners (or adopts already-listening descriptors) and starts accepting.
    public func start(listenAddresses: [SocketAddress], inheritedDescriptors: [(fd: Int32, name: String)] = []) throws {
        var opened: [Listener] = []
        do {
            for (fd, name) in inheritedDescriptors {
                opened.append(Listener(adopting: fd, description: name, onAccept: { [weak self] fd, peer in self?.accept(fd, peer) }))
            }
            if inheritedDescriptors.isEmpty {
                for address in listenAddresses {
                    opened.append(try Listener(binding: address, onAccept: { [weak self] fd, peer in self?.accept(fd, peer) }))
                }
            }
        } catch {
            opened.forEach { $0.close() }
            throw error
        }
        var endpoint: MetricsEndpoint?
        if let metricsSettings {
            do {
                endpoint = try MetricsEndpoint(
                    address: metricsSettings.listen, render: { [unowned self] in self.renderMetrics() },
                    health: healthCheck, logger: logger)
            } catch {
                opened.forEach { $0.close() }
                throw error
            }
        }
        state.withLock {
            listeners = opened
            metricsEndpoint = endpoint
        }
        for listener in opened {
            logger.notice("listening", metadata: ["address": "\(listener.address)", "port": "\(listener.boundPort)"])
            listener.start()
        }
        endpoint?.start()
    }

    /// The port of the metrics listener (TCP), for tests that asked for port 0.
    public var metricsPort: UInt16? { state.withLock { metricsEndpoint?.boundPort } }

    /// `/healthz`: the loops (as for the watchdog), the daemon's `/_ping`, the audit sinks.
    private var healthCheck: HealthCheck {
        HealthCheck(
            loopsAnswer: { [unowned self] seconds in self.isResponsive(within: seconds) },
            upstream: { [unowned self] in self.state.withLock { self.environment.upstream } },
            audit: { [unowned self] in self.state.withLock { self.environment.audit } })
    }

    /// The Prometheus text of every metric, with the read-at-scrape gauges brought up to date.
    public func renderMetrics() -> String {
        let open: Int = state.withLock { connections.count }
        let current: ProxyEnvironment = state.withLock { environment }
        metrics.refresh(openConnections: open, audit: current.audit, validity: current.tlsContext.validity)
        return metrics.registry.render()
    }

    /// A reload was refused (unreadable or invalid configuration, or `reload` threw): counted
    /// here, by the caller that catches every refusal.
    public func noteReloadRejected() {
        metrics.reloadFailed()
    }

    /// The ports actually bound, in listener order.
    public var boundPorts: [UInt16] { state.withLock { listeners.map(\.boundPort) } }

    public var connectionCount: Int { state.withLock { connections.count } }

    /// "12 connections, 3456 requests", for systemd's STATUS=.
    public var statusLine: String { "\(connectionCount) connections, \(RequestCounter.total) requests" }

    /// True when every event loop runs a block within `seconds`: the watchdog's health check, and
    /// the first part of `/healthz` (see `HealthCheck`).
    public func isResponsive(within seconds: Double) -> Bool {
        let group = DispatchGroup()
        for loop in loops.loops {
            group.enter()
            loop.queue.async { group.leave() }
        }
        return group.wait(timeout: .now() + seconds) == .success
    }

    private func accept(_ fd: Int32, _ peer: PeerAddress) {
        let connection = state.withLock { () -> ClientConnection in
            let connection = ClientConnection(
                fd: fd, peer: peer, loop: loops.next(), environment: environment,
                onClose: { [weak self] id in self?.forget(id) })
            connections[connection.id] = connection
            return connection
        }
        metrics.connectionAccepted()
        connection.start()
    }

    /// Runs on the closing connection's own queue (from `closeNow`), so its `identity` may be read
    /// here. A connection that had a user writes a `connection_close` record, counted by reason
    /// from there (`ProxyMetrics`); one that never had a user writes none, and is counted here.
    private func forget(_ id: ConnectionID) {
        if let connection = state.withLock({ connections[id] }), connection.identity == nil {
            metrics.connectionClosed(.unauthenticated)
        }
        // Released on another queue: the connection is still on its own call stack here.
        DispatchQueue.global().async { [weak self] in
            guard let self else { return }
            _ = self.state.withLock { self.connections.removeValue(forKey: id) }
        }
    }

    /// Applies a new configuration atomically: the TLS context (certificate, key, client CA, CRL)
    /// and the policies are built completely first; if anything fails the old ones keep serving.
    /// New connections get the new TLS context; every connection judges its next request with the
    /// new policies; connections whose certificate no longer names a user are closed.
    public func reload(_ configuration: Configuration) throws {
        let fresh = try Self.makeEnvironment(configuration, metrics: metrics, logger: logger)
        if configuration.metrics != metricsSettings {
            logger.warning(
                "metrics.listen changed: the metrics listener stays as started until dockgate is restarted",
                metadata: ["serving": "\(metricsSettings?.listen.description ?? "off")"])
        }
        metrics.setUsers(configuration.users.map(\.commonName))
        let live = state.withLock { () -> [ClientConnection] in
            environment = fresh
            return Array(connections.values)
        }
        live.forEach { $0.adopt(fresh) }
        metrics.reloadSucceeded()
        logger.notice("configuration reloaded", metadata: ["connections": "\(live.count)", "users": "\(configuration.users.count)"])
    }

    /// Graceful shutdown: stop accepting, let requests in flight finish for up to `drainTimeout`
    /// seconds, then close what is left (tunnels included) with close_notify and call `completion`.
    public func stop(drainTimeout: Double, completion: @escaping @Sendable () -> Void) {
        let (open, live, endpoint) = state.withLock { () -> ([Listener], [ClientConnection], MetricsEndpoint?) in
            let result = (listeners, Array(connections.values), metricsEndpoint)
            listeners = []
            metricsEndpoint = nil
            return result
        }
        open.forEach { $0.close() }
        endpoint?.close()
        live.forEach { $0.drain() }
        // The last records (connection closes) reach the sinks before the process may exit.
        let (writer, loops) = (auditWriter, loops)
        awaitDrain(until: .now() + drainTimeout, on: DispatchQueue(label: "dockgate.shutdown")) {
            for loop in loops.loops { loop.queue.sync { loop.auditBatch.flush() } }
            writer.waitUntilWritten()
            completion()
        }
    }

    private func awaitDrain(until deadline: DispatchTime, on queue: DispatchQueue, completion: @escaping @Sendable () -> Void) {
        if connectionCount == 0 {
            completion()
        } else if DispatchTime.now() >= deadline {
            let remaining = state.withLock { Array(connections.values) }
            logger.notice("drain timeout: closing remaining connections", metadata: ["count": "\(remaining.count)"])
            remaining.forEach { $0.terminate() }
            queue.asyncAfter(deadline: .now() + .milliseconds(200)) { completion() }
        } else {
            queue.asyncAfter(deadline: .now() + .milliseconds(50)) { [self] in
                awaitDrain(until: deadline, on: queue, completion: completion)
            }
        }
    }
}
