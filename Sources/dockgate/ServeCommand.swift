import ArgumentParser
import Dispatch
import DockgateConfig
import DockgateCore
import DockgateIO
import DockgateProxy
import DockgateSystemd
import Foundation
import Logging

/// `dockgate serve`: runs the proxy until SIGTERM or SIGINT.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the proxy.",
        discussion: """
            Without --config and without /etc/dockgate/dockgate.yaml, dockgate starts in development \
            mode: it creates a PKI and a client bundle under ./.dockgate-dev and listens on 127.0.0.1:2376.
            """)

    static let systemConfigPath = "/etc/dockgate/dockgate.yaml"

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String?

    @Option(name: .long, help: "Listen address (tcp://HOST:PORT); repeatable; replaces the configured ones.")
    var listen: [String] = []

    @Option(name: .long, help: "The Docker daemon socket (unix:///PATH).")
    var upstream: String?

    @Option(name: .customLong("tls-cert"), help: "Server certificate chain (PEM).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "Server private key (PEM).")
    var tlsKey: String?

    @Option(name: .customLong("client-ca"), help: "CA bundle that client certificates must chain to (PEM).")
    var clientCA: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("dev-dir"), help: "Folder for the development PKI and configuration.")
    var devDirectory: String = ".dockgate-dev"

    func run() throws {
        // First, while the process has one thread: block the handled signals so every thread
        // started later inherits the mask and a stop or reload is never lost (ProcessSignals).
        let threadsAtSignalBlock: Int
        do {
            threadsAtSignalBlock = try ProcessSignals.blockBeforeFirstThread()
        } catch {
            printError("dockgate: cannot block signals: \(error)")
            throw ExitCode(1)
        }
        HeapTuning.keepFreedBuffersForReuse()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "dockgate")
        // A vanished peer must surface as EPIPE, not kill the process: OpenSSL's socket BIO uses write(2).
        signal(SIGPIPE, SIG_IGN)
        if threadsAtSignalBlock != 1 {
            logger.warning("signals were blocked after other threads had started; a signal may take its default action",
                           metadata: ["threads": "\(threadsAtSignalBlock)"])
        }

        let notifier = ServiceNotifier(onError: { error in logger.warning("sd_notify failed", metadata: ["error": "\(error)"]) })
        // Signals are caught from the very start and held until the server is up: a reload or
        // stop sent right after READY=1 (systemctl does that) must neither kill nor be lost.
        let running = RunningServer()
        do {
            try ProcessSignals.install(
                onTerminate: { signalName in
                    logger.notice("stopping", metadata: ["signal": "\(signalName)"])
                    notifier.stopping()
                    running.server.stop(drainTimeout: running.drainTimeout) { Foundation.exit(0) }
                },
                onReload: {
                    notifier.reloading()
                    do {
                        let configuration = try currentConfiguration(logger: logger, announce: false)
                        try running.server.reload(configuration)
                        running.drainTimeout = configuration.limits.drainTimeout
                    } catch {
                        running.server.noteReloadRejected()
                        logger.error("reload rejected; the previous configuration keeps serving", metadata: ["error": "\(error)"])
                    }
                    notifier.ready(status: running.server.statusLine)
                },
                onReopenLogs: { running.server.reopenAuditFiles() })
        } catch {
            printError("dockgate: cannot read signals: \(error)")
            throw ExitCode(1)
        }

        let configuration: Configuration
        let server: ProxyServer
        do {
            configuration = try currentConfiguration(logger: logger, announce: true)
            server = try ProxyServer(configuration: configuration, logger: logger)
            // Socket activation: serve on the sockets systemd passed and open none ourselves.
            let inherited = try SocketActivation.takeListeningSockets()
            try server.start(listenAddresses: configuration.listen, inheritedDescriptors: inherited.map { ($0.fd, $0.name) })
        } catch {
            printError("dockgate: \(error)")
            throw ExitCode(1)
        }
        running.server = server
        running.drainTimeout = configuration.limits.drainTimeout
        logger.notice("dockgate ready", metadata: ["users": "\(configuration.users.count)", "upstream": "\(configuration.upstream)"])
        notifier.ready(status: server.statusLine)
        // Loop liveness only, the same check `/healthz` starts with; daemon and audit-sink trouble
        // show in /healthz but must not make systemd restart dockgate (see HealthCheck).
        notifier.startWatchdog(on: DispatchQueue(label: "dockgate.watchdog")) { server.isResponsive(within: 1) }
        StatusReporter.start(every: 10) { notifier.status(server.statusLine) }
        ProcessSignals.startDelivering()
        ProcessSignals.parkMainThread()
    }

    /// The configuration as files and flags say now (called at start and on every reload).
    private func currentConfiguration(logger: Logger, announce: Bool) throws -> Configuration {
        let development = config == nil && !FileManager.default.fileExists(atPath: Self.systemConfigPath)
        let configuration = try applyOverrides(to: try loadConfiguration(logger: logger))
        if development && announce {
            DevelopmentSetup(directory: devDirectory).printConnectionInstructions(listen: configuration.listen)
        }
        return configuration
    }

    private func loadConfiguration(logger: Logger) throws -> Configuration {
        if let config { return try ConfigurationLoader.load(path: config) }
        if FileManager.default.fileExists(atPath: Self.systemConfigPath) {
            return try ConfigurationLoader.load(path: Self.systemConfigPath)
        }
        return try DevelopmentSetup(directory: devDirectory).prepare()
    }

    private func applyOverrides(to base: Configuration) throws -> Configuration {
        var configuration = base
        if !listen.isEmpty { configuration.listen = try listen.map { try SocketAddress(parsing: $0) } }
        if let upstream { configuration.upstream = try SocketAddress(parsing: upstream) }
        if let tlsCert { configuration.tls.certificate = tlsCert }
        if let tlsKey { configuration.tls.key = tlsKey }
        if let clientCA { configuration.tls.clientCA = clientCA }
        return configuration
    }
}

/// The server as the signal handlers see it: set once before signals are delivered, and only
/// read and changed on the signal queue afterwards.
final class RunningServer: @unchecked Sendable {
    var server: ProxyServer!
    var drainTimeout: Double = 30
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
