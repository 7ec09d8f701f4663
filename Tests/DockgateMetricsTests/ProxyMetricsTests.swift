import DockgateAudit
import Foundation
import Testing
@testable import DockgateProxy

/// The counters move exactly as the audit records say, with bounded labels.
@Suite("ProxyMetrics")
struct ProxyMetricsTests {
    static func record(_ kind: AuditRecord.Kind, cn: String? = "alice", policy: String? = "developer") -> AuditRecord {
        AuditRecord(kind: kind, time: Date(), connectionID: 1, clientAddress: "127.0.0.1", clientPort: 1, commonName: cn, policy: policy)
    }

    @Test func countsRequestsDenialsResponsesBytesAndTunnels() {
        let metrics = ProxyMetrics(users: ["alice"])
        var allowed = Self.record(.request)
        (allowed.group, allowed.action, allowed.decision, allowed.rule) = ("containers", "container.list", .allow, "endpoints/containers")
        var denied = Self.record(.request)
        (denied.group, denied.action, denied.decision, denied.rule, denied.status) = ("containers", "container.create", .deny, "host/privileged", 403)
        var response = allowed
        (response.kind, response.decision, response.status, response.bytesIn, response.bytesOut, response.durationMicros) =
            (.response, nil, 200, 10, 500, 2_500)
        var open = Self.record(.sessionOpen)
        open.action = "container.attach"
        var close = Self.record(.sessionClose)
        (close.bytesIn, close.bytesOut) = (3, 4)
        metrics.observe([allowed, denied, response, open], written: true)
        #expect(metrics.tunnelsOpen.value() == 1)
        metrics.observe([close], written: false)

        #expect(metrics.requests.value(["alice", "containers", "container.list", "allow"]) == 1)
        #expect(metrics.requests.value(["alice", "containers", "container.create", "deny"]) == 1)
        #expect(metrics.denials.value(["alice", "host/privileged"]) == 1)
        #expect(metrics.responses.value(["alice", "containers", "container.list", "2xx"]) == 1)
        #expect(metrics.responses.value(["alice", "containers", "container.create", "4xx"]) == 1)
        #expect(metrics.bytes.value(["alice", "in"]) == 13)
        #expect(metrics.bytes.value(["alice", "out"]) == 504)
        #expect(metrics.tunnelsOpened.value(["container.attach"]) == 1)
        #expect(metrics.tunnelsOpen.value() == 0)
        #expect(metrics.auditRecords.value(["written"]) == 4)
        #expect(metrics.auditRecords.value(["failed"]) == 1)
        let text = metrics.registry.render()
        #expect(text.contains("dockgate_request_duration_seconds_bucket{group=\"containers\",le=\"0.001\"} 0\n"))
        #expect(text.contains("dockgate_request_duration_seconds_bucket{group=\"containers\",le=\"0.005\"} 1\n"))
        #expect(text.contains("dockgate_request_duration_seconds_sum{group=\"containers\"} 0.0025\n"))
    }

    /// A CN that names no configured user never becomes a label, and neither does one that a
    /// reload removed.
    @Test func unknownCommonNamesAreNotLabels() {
        let metrics = ProxyMetrics(users: ["alice"])
        var unknown = Self.record(.request, cn: "evil\"cn\n", policy: nil)
        (unknown.decision, unknown.rule, unknown.status) = (.deny, "identity/unknown", 403)
        metrics.observe([unknown], written: true)
        #expect(metrics.requests.value(["", "", "", "deny"]) == 1)
        #expect(metrics.denials.value(["", "identity/unknown"]) == 1)
        metrics.setUsers(["bob"])
        var stale = Self.record(.request)
        stale.decision = .allow
        metrics.observe([stale], written: true)
        #expect(metrics.requests.value(["", "", "", "allow"]) == 1)
        #expect(!metrics.registry.render().contains("evil"))
    }

    @Test func handshakeFailuresAreClassified() {
        let cases: [(String, HandshakeFailureClass)] = [
            ("plaintext HTTP on the TLS port", .plaintextHTTP),
            ("handshake timed out after 10.0 s", .timeout),
            ("client closed the connection during the handshake", .clientClosed),
            ("no verified client certificate", .noCertificate),
            ("client certificate rejected: unable to get local issuer certificate (depth 0)", .unknownCA),
            ("client certificate rejected: certificate has expired (depth 0)", .expired),
            ("client certificate rejected: certificate revoked (depth 0)", .revoked),
            ("client certificate rejected: extended key usage does not include clientAuth (depth 0)", .keyUsage),
            ("client certificate rejected: the certificate's CN is not printable ASCII (or it is missing or repeated) (depth 0)", .badCommonName),
            ("client certificate rejected: invalid CA certificate (depth 0)", .certificateRejected),
            ("error:0A0000C1:SSL routines::no shared cipher", .protocolError),
            ("error:0A0000C7:SSL routines::peer did not return a certificate", .noCertificate),
        ]
        for (reason, expected) in cases {
            #expect(HandshakeFailureClass(reason: reason) == expected, "\(reason)")
        }
        let metrics = ProxyMetrics()
        var failure = Self.record(.handshakeFailure, cn: nil, policy: nil)
        failure.reason = "client certificate rejected: certificate has expired (depth 0)"
        metrics.observe([failure], written: true)
        #expect(metrics.handshakeFailures.value(["expired"]) == 1)
    }

    @Test func connectionCloseReasonsAreClassified() {
        #expect(ConnectionCloseClass(reason: "anything", authenticated: false) == .unauthenticated)
        #expect(ConnectionCloseClass(reason: "closed by both sides", authenticated: true) == .closed)
        #expect(ConnectionCloseClass(reason: "client closed while a request was in flight", authenticated: true) == .closed)
        #expect(ConnectionCloseClass(reason: "linger timeout", authenticated: true) == .timeout)
        #expect(ConnectionCloseClass(reason: "server shutting down", authenticated: true) == .shutdown)
        #expect(ConnectionCloseClass(reason: "identity revoked by reload", authenticated: true) == .revoked)
        #expect(ConnectionCloseClass(reason: "upstream write failed", authenticated: true) == .error)
        let metrics = ProxyMetrics(users: ["alice"])
        var close = Self.record(.connectionClose)
        close.reason = "closed by both sides"
        metrics.observe([close], written: true)
        #expect(metrics.connectionsClosed.value(["closed"]) == 1)
    }

    @Test func reloadsAreCountedWithTheirTime() {
        let metrics = ProxyMetrics()
        metrics.reloadSucceeded(at: Date(timeIntervalSince1970: 1_000))
        metrics.reloadFailed(at: Date(timeIntervalSince1970: 2_000))
        metrics.reloadFailed(at: Date(timeIntervalSince1970: 3_000))
        #expect(metrics.reloads.value(["success"]) == 1)
        #expect(metrics.reloads.value(["failure"]) == 2)
        #expect(metrics.reloadLastSuccess.value() == 1_000)
        #expect(metrics.reloadLastFailure.value() == 3_000)
    }
}
