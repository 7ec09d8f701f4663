import DockgateAudit
import DockgateCore
import DockgateMetrics
import DockgateTLS
import Foundation
import Synchronization

/// dockgate's metrics, counted from the audit records every connection already writes (so the
/// connection state machine knows nothing of them), plus a few facts only the server has:
/// accepted and closed connections, reloads, and what is read at scrape time (open
/// connections, audit sink health, certificate expiry).
///
/// Every label comes from a bounded set: users are configured CNs (any other CN is `user=""`),
/// groups and actions come from the route table, rules from the policy engine, reasons and
/// status classes from the small enums below, sinks from the configuration. The registry caps
/// each family anyway (`MetricsRegistry.maxSeriesPerFamily`).
public final class ProxyMetrics: AuditObserver, Sendable {
    public let registry: MetricsRegistry
    /// CNs (as bytes) of the configured users: the only values the `user` label takes.
    private let knownUsers: Mutex<Set<[UInt8]>>

    let connectionsAccepted: Counter
    let connectionsOpen: Gauge
    let connectionsClosed: Counter
    let handshakeFailures: Counter
    let requests: Counter
    let responses: Counter
    let denials: Counter
    let duration: Histogram
    let bytes: Counter
    let tunnelsOpened: Counter
    let tunnelsOpen: Gauge
    let auditRecords: Counter
    let auditSinkFailures: Counter
    let auditSinkUp: Gauge
    let auditFailClosed: Gauge
    let reloads: Counter
    let reloadLastSuccess: Gauge
    let reloadLastFailure: Gauge
    let certificateExpiry: Gauge
    let crlNextUpdate: Gauge

    /// Upper bounds in seconds: sub-millisecond `ps` to minutes-long pulls and builds.
    static let durationBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    public init(users: [String] = [], registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        self.knownUsers = Mutex(Set(users.map { Array($0.utf8) }))
        let r = registry
        connectionsAccepted = r.counter("dockgate_connections_accepted_total", help: "Client connections accepted on the mutual-TLS listeners.")
        connectionsOpen = r.gauge("dockgate_connections_open", help: "Client connections open now.")
        connectionsClosed = r.counter(
            "dockgate_connections_closed_total",
            help: "Client connections closed, by reason: closed (normally), unauthenticated (the handshake never produced a user), timeout, error, shutdown, revoked (identity dropped by a reload).",
            labels: ["reason"])
        handshakeFailures = r.counter(
            "dockgate_handshake_failures_total", help: "TLS handshakes that did not produce a verified client, by reason class.",
            labels: ["reason"])
        requests = r.counter(
            "dockgate_requests_total",
            help: "Requests judged, by user (configured CN; empty for any other), endpoint group, action and decision.",
            labels: ["user", "group", "action", "decision"])
        responses = r.counter(
            "dockgate_responses_total",
            help: "Responses by status class: the daemon's for forwarded requests, dockgate's own for denials.",
            labels: ["user", "group", "action", "status_class"])
        denials = r.counter("dockgate_denials_total", help: "Denied requests by the rule that denied them.", labels: ["user", "rule"])
        duration = r.histogram(
            "dockgate_request_duration_seconds",
            help: "Forwarded requests: seconds from the decision to the end of the response (daemon and relay time; for an upgrade, until the 101).",
            labels: ["group"], buckets: Self.durationBuckets)
        bytes = r.counter(
            "dockgate_bytes_total",
            help: "Bytes relayed for forwarded requests and tunnels: in (client to daemon) and out (daemon to client).",
            labels: ["user", "direction"])
        tunnelsOpened = r.counter("dockgate_tunnels_opened_total", help: "Hijacked streams opened (attach, exec start, BuildKit session).", labels: ["action"])
        tunnelsOpen = r.gauge("dockgate_tunnels_open", help: "Hijacked streams open now.")
        auditRecords = r.counter(
            "dockgate_audit_records_total",
            help: "Audit records handed to the sinks, by outcome: written (every sink took it) or failed.", labels: ["outcome"])
        auditSinkFailures = r.counter("dockgate_audit_sink_failures_total", help: "Failed writes, by audit sink.", labels: ["sink"])
        auditSinkUp = r.gauge("dockgate_audit_sink_up", help: "1 when the sink's most recent write succeeded.", labels: ["sink"])
        auditFailClosed = r.gauge(
            "dockgate_audit_fail_closed", help: "1 while requests are refused (503) because a fail-closed audit sink cannot write.")
        reloads = r.counter("dockgate_reloads_total", help: "Configuration reloads, by result.", labels: ["result"])
        reloadLastSuccess = r.gauge("dockgate_reload_last_success_timestamp_seconds", help: "Unix time of the last successful reload (0: none).")
        reloadLastFailure = r.gauge("dockgate_reload_last_failure_timestamp_seconds", help: "Unix time of the last rejected reload (0: none).")
        certificateExpiry = r.gauge(
            "dockgate_certificate_expiry_seconds",
            help: "Seconds until the certificate expires (negative: expired): server, or client_ca (the earliest in the bundle).",
            labels: ["certificate"])
        crlNextUpdate = r.gauge(
            "dockgate_crl_next_update_seconds",
            help: "Seconds until the earliest nextUpdate of the loaded CRLs (negative: stale; absent without CRLs).")
        reloadLastSuccess.set(0)
        reloadLastFailure.set(0)
        connectionsAccepted.increment(by: 0)
        connectionsOpen.set(0)
        tunnelsOpen.set(0)
        auditFailClosed.set(0)
        for result in ["success", "failure"] { reloads.increment([result], by: 0) }
        for outcome in ["written", "failed"] { auditRecords.increment([outcome], by: 0) }
    }

    /// The users whose CNs may appear as labels (at start and on every reload).
    public func setUsers(_ users: [String]) {
        knownUsers.withLock { $0 = Set(users.map { Array($0.utf8) }) }
    }

    // MARK: audit records

    public func observe(_ records: [AuditRecord], written: Bool) {
        auditRecords.increment([written ? "written" : "failed"], by: Double(records.count))
        for record in records { count(record) }
    }

    public func sinkFailed(_ sinkName: String) {
        auditSinkFailures.increment([sinkName])
    }

    private func count(_ record: AuditRecord) {
        let user = userLabel(record)
        let group = record.group ?? ""
        let action = record.action ?? ""
        switch record.kind {
        case .request:
            requests.increment([user, group, action, record.decision?.rawValue ?? ""])
            if record.decision == .deny {
                denials.increment([user, record.rule ?? ""])
                if let status = record.status { responses.increment([user, group, action, Self.statusClass(status)]) }
            }
        case .response:
            responses.increment([user, group, action, record.status.map(Self.statusClass) ?? "none"])
            if let micros = record.durationMicros { duration.observe(Double(micros) / 1_000_000, [group]) }
            countBytes(record, user: user)
        case .sessionOpen:
            tunnelsOpened.increment([action])
            tunnelsOpen.add(1)
        case .sessionClose:
            tunnelsOpen.add(-1)
            countBytes(record, user: user)
        case .handshakeFailure:
            handshakeFailures.increment([HandshakeFailureClass(reason: record.reason ?? "").rawValue])
        case .connectionClose:
            // Written for every connection that had a user; the others are counted by ProxyServer.
            connectionsClosed.increment([ConnectionCloseClass(reason: record.reason ?? "", authenticated: true).rawValue])
        }
    }

    private func countBytes(_ record: AuditRecord, user: String) {
        if let bytesIn = record.bytesIn, bytesIn > 0 { bytes.increment([user, "in"], by: Double(bytesIn)) }
        if let bytesOut = record.bytesOut, bytesOut > 0 { bytes.increment([user, "out"], by: Double(bytesOut)) }
    }

    /// A configured user's CN, or "" for a certificate no configured user matched (its CN is
    /// free text chosen by whoever made the certificate: never a label).
    private func userLabel(_ record: AuditRecord) -> String {
        guard record.policy != nil, let cn = record.commonName else { return "" }
        return knownUsers.withLock { $0.contains(Array(cn.utf8)) } ? cn : ""
    }

    static func statusClass(_ status: Int) -> String {
        (100...599).contains(status) ? "\(status / 100)xx" : "other"
    }

    // MARK: server events

    func connectionAccepted() { connectionsAccepted.increment() }

    func connectionClosed(_ reason: ConnectionCloseClass) { connectionsClosed.increment([reason.rawValue]) }

    public func reloadSucceeded(at time: Date = Date()) {
        reloads.increment(["success"])
        reloadLastSuccess.set(time.timeIntervalSince1970.rounded())
    }

    public func reloadFailed(at time: Date = Date()) {
        reloads.increment(["failure"])
        reloadLastFailure.set(time.timeIntervalSince1970.rounded())
    }

    /// Sets the gauges that are read rather than counted; called just before rendering.
    func refresh(openConnections: Int, audit: AuditTrail, validity: CredentialValidity, now: Date = Date()) {
        connectionsOpen.set(Double(openConnections))
        let failing = Set(audit.failingSinks)
        auditSinkUp.setAll(Dictionary(uniqueKeysWithValues: audit.sinks.map { ([$0.name], failing.contains($0.name) ? 0 : 1) }))
        auditFailClosed.set(audit.isRefusingRequests ? 1 : 0)
        let nowSeconds = now.timeIntervalSince1970.rounded()
        var expiry: [[String]: Double] = [:]
        if let notAfter = validity.serverCertificateNotAfter { expiry[["server"]] = Double(notAfter) - nowSeconds }
        if let notAfter = validity.clientCANotAfter { expiry[["client_ca"]] = Double(notAfter) - nowSeconds }
        certificateExpiry.setAll(expiry)
        crlNextUpdate.setAll(validity.crlNextUpdate.map { [[]: Double($0) - nowSeconds] } ?? [:])
    }
}
