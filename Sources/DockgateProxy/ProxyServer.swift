import Dispatch
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
    private let state = NSLock()
    private var environment: ProxyEnvironment
    private var listeners: [Listener] = []
    private var connections: [ConnectionID: ClientConnection] = [:]

    public init(configuration: Configuration, logger: Logger) throws {
        self.logger = logger
        let limits = configuration.limits
        self.loops = LoopGroup(scratchBytes: limits.readChunkBytes)
        self.environment = try Self.makeEnvironment(configuration, logger: logger)
    }

    static func makeEnvironment(_ configuration: Configuration, logger: Logger) throws -> ProxyEnvironment {
        let settings = ServerTLSSettings(
            certificatePath: configuration.tls.certificate, keyPath: configuration.tls.key,
            clientCAPath: configuration.tls.clientCA)
        guard case .unix(let upstreamPath) = configuration.upstream else {
            throw SystemError(call: "upstream must be a unix socket", errno: EINVAL)
        }
        return ProxyEnvironment(
            tlsContext: try ServerContext(settings: settings),
            limits: configuration.limits,
            upstream: UpstreamConnector(path: upstreamPath),
            gate: AccessGate(configuration: configuration, resolver: SymlinkResolvingPathResolver()),
            logger: logger)
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
        state.withLock { listeners = opened }
        for listener in opened {
            logger.notice("listening", metadata: ["address": "\(listener.address)", "port": "\(listener.boundPort)"])
            listener.start()
        }
    }

    /// The ports actually bound, in listener order.
    public var boundPorts: [UInt16] { state.withLock { listeners.map(\.boundPort) } }

    public var connectionCount: Int { state.withLock { connections.count } }

    private func accept(_ fd: Int32, _ peer: PeerAddress) {
        let connection = state.withLock { () -> ClientConnection in
            let connection = ClientConnection(
                fd: fd, peer: peer, loop: loops.next(), environment: environment,
                onClose: { [weak self] id in self?.forget(id) })
            connections[connection.id] = connection
            return connection
        }
        connection.start()
    }

    private func forget(_ id: ConnectionID) {
        // Released on another queue: the connection is still on its own call stack here.
        DispatchQueue.global().async { [weak self] in
            guard let self else { return }
            _ = self.state.withLock { self.connections.removeValue(forKey: id) }
        }
    }

    /// Stops accepting and closes every connection.
    public func stop() {
        let (open, live) = state.withLock { () -> ([Listener], [ClientConnection]) in
            let result = (listeners, Array(connections.values))
            listeners = []
            return result
        }
        open.forEach { $0.close() }
        live.forEach { $0.terminate() }
    }
}
