import DockgateAudit
import DockgateIO

/// What `GET /healthz` reports: healthy only when every event loop runs a no-op within a second,
/// the daemon answers `/_ping`, and every audit sink's most recent write succeeded.
///
/// How it relates to the systemd watchdog: the watchdog pings only while the event loops answer
/// (the first check here, the same `ProxyServer.isResponsive` call). The other two are left out
/// of the watchdog on purpose: a stopped daemon or a full audit disk is not fixed by systemd
/// restarting dockgate, and a restart would cut every open tunnel. So `/healthz` can be 503 while
/// the watchdog is content; a wedged loop makes both fail.
///
/// An audit sink is retried by the next record, so after the disk has space again `/healthz`
/// turns 200 with the first record written (any request, even a denied one).
struct HealthCheck: Sendable {
    let loopsAnswer: @Sendable (_ within: Double) -> Bool
    let upstream: @Sendable () -> UpstreamConnector
    let audit: @Sendable () -> AuditTrail
    var loopTimeout = 1.0
    var pingTimeoutSeconds = 2

    /// nil when healthy, otherwise a one-line reason. Blocks for up to about three seconds:
    /// call it on the health queue only.
    func problem() -> String? {
        guard loopsAnswer(loopTimeout) else { return "an event loop did not answer within \(loopTimeout) s" }
        if let problem = DaemonPing(upstream: upstream(), timeoutSeconds: pingTimeoutSeconds).problem() { return problem }
        let failing = audit().failingSinks
        if !failing.isEmpty { return "audit sink cannot write: \(failing.joined(separator: ", "))" }
        return nil
    }
}
