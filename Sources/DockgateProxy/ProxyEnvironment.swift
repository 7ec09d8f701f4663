import DockgateAudit
import DockgateAuthorization
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
    /// Identity, policy and body decisions, and the tenancy step (the same code `policy explain` runs).
    let gate: Authorizer
    /// Facts about existing objects, asked of the daemon off the event loops.
    let daemonFacts: DaemonObjectFacts
    let audit: AuditTrail
    let logger: Logger
}
