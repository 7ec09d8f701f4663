import DockgateAudit
import DockgateCore
import DockgateIO
import DockgateTLS
import Logging

/// Everything a connection needs from the server, captured when the connection is accepted.
/// A reload builds a new environment; connections keep the TLS context they started with.
struct ProxyEnvironment: Sendable {
    let tlsContext: ServerContext
    let limits: ProxyLimits
    let upstream: UpstreamConnector
    let gate: AccessGate
    /// Facts about existing objects, asked of the daemon off the event loops.
    let daemonFacts: DaemonObjectFacts
    let audit: AuditTrail
    let logger: Logger
}
