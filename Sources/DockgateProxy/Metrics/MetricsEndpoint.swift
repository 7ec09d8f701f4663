import Dispatch
import DockgateCore
import DockgateIO
import DockgateMetrics
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The plain-HTTP listener for `GET /metrics` and `GET /healthz` (`metrics.listen`): a unix
/// socket (mode 0660, removed on close) or a loopback TCP port, never the mutual-TLS port.
///
/// It has its own queues and never runs on an event loop: connections are served on
/// `dockgate.metrics`, and the health evaluation, which blocks for up to a few seconds, on
/// `dockgate.health`. At most `maxConnections` are served at once; more are closed at accept.
final class MetricsEndpoint: @unchecked Sendable {
    static let maxConnections = 16
    static let socketMode: mode_t = 0o660

    let address: SocketAddress
    private let listener: Listener
    private let poller: LoopPoller
    private let healthQueue = DispatchQueue(label: "dockgate.health")
    private let render: @Sendable () -> String
    private let health: HealthCheck
    private let logger: Logger
    private let exchanges = Mutex<[ObjectIdentifier: MetricsExchange]>([:])

    init(address: SocketAddress, render: @escaping @Sendable () -> String, health: HealthCheck, logger: Logger) throws(SystemError) {
        self.address = address
        self.render = render
        self.health = health
        self.logger = logger
        poller = try LoopPoller(queue: DispatchQueue(label: "dockgate.metrics"))
        let box = AcceptTarget()
        switch address {
        case .unix(let path):
            listener = try Listener(bindingUnix: path, mode: Self.socketMode) { fd, _ in box.endpoint?.accept(fd) }
        case .tcp:
            listener = try Listener(binding: address) { fd, _ in box.endpoint?.accept(fd) }
        }
        box.endpoint = self
    }

    var boundPort: UInt16 { listener.boundPort }

    func start() {
        logger.notice("metrics listening", metadata: ["address": "\(address)", "port": "\(listener.boundPort)"])
        listener.start()
    }

    /// Stops accepting and removes the unix socket file.
    func close() {
        listener.close()
    }

    private func accept(_ fd: Int32) {
        let count = exchanges.withLock { $0.count }
        guard count < Self.maxConnections else {
            Syscall.close(fd)
            return
        }
        let holder = ExchangeHolder()
        let exchange = MetricsExchange(
            fd: fd, poller: poller,
            respond: { [self] answer, reply in self.respond(answer, reply) },
            onClose: { [weak self] in
                guard let self, let key = holder.key else { return }
                _ = self.exchanges.withLock { $0.removeValue(forKey: key) }
            })
        let key = ObjectIdentifier(exchange)
        holder.key = key
        exchanges.withLock { $0[key] = exchange }
        exchange.start()
    }

    private func respond(_ answer: MetricsExchange.Answer, _ reply: @escaping @Sendable (Int, String, String) -> Void) {
        switch answer {
        case .metrics:
            reply(200, PrometheusText.contentType, render())
        case .health:
            healthQueue.async { [health] in
                if let problem = health.problem() {
                    reply(503, "text/plain; charset=utf-8", "unhealthy: \(Self.oneLine(problem))\n")
                } else {
                    reply(200, "text/plain; charset=utf-8", "ok\n")
                }
            }
        case .refuse:
            break
        }
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}

/// Lets the accept closure reach the endpoint, which does not exist yet when the listener is made.
private final class AcceptTarget: @unchecked Sendable {
    weak var endpoint: MetricsEndpoint?
}

/// The exchange's key, known only after the exchange is made (read on the metrics queue).
private final class ExchangeHolder: @unchecked Sendable {
    var key: ObjectIdentifier?
}
