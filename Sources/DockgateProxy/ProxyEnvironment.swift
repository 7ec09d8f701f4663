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
    let escalationCheck: ContainerEscalationCheck
    /// Shared across reloads: exec ids keep their creator.
    let execOwnership: ExecOwnership
    let audit: AuditTrail
    let logger: Logger
}
