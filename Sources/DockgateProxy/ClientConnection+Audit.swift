import Dispatch
import DockgateAudit
import DockgateAuthorization
import DockgateCore
import DockgateHTTP
import Foundation

/// The audit trail of one request in flight: its request record, and what the response adds.
struct ExchangeAudit {
    var record: AuditRecord
    let startedNanos: UInt64
    var bytesIn: UInt64 = 0
    var bytesOut: UInt64 = 0
    var status: Int?
    /// For creates: the response body is kept (bounded) to learn the id of what was created.
    var createdKey: String?
    var capturedBody: [UInt8] = []
    var capturedIsChunked = false
}

/// An open hijacked stream (attach, exec start, BuildKit session).
struct TunnelAudit {
    var record: AuditRecord
    let startedNanos: UInt64
    var bytesIn: UInt64 = 0
    var bytesOut: UInt64 = 0
}

extension ClientConnection {
    static let maxCapturedResponseBytes = 64 * 1024

    /// A record with this connection's facts: time, ids, client address, verified identity.
    func auditRecord(_ kind: AuditRecord.Kind) -> AuditRecord {
        var record = AuditRecord(
            kind: kind, time: Date(), connectionID: id.rawValue, clientAddress: peer.host, clientPort: peer.port)
        record.setIdentity(identity)
        return record
    }

    /// Hands a record to every sink now; false means a fail-closed sink could not take it.
    /// For records that must be on record before the request goes on.
    func writeAuditNow(_ record: AuditRecord) -> Bool {
        auditBatch.writeNow(record, to: environment.audit)
    }

    /// Queues a record that need not hold anything up; it is written before the loop sleeps.
    func writeAudit(_ record: AuditRecord) {
        auditBatch.add(record, to: environment.audit)
    }

    /// The request record, written before anything is forwarded (or when the request is denied).
    /// Returns false if the trail could not take it; the request must then not be forwarded.
    func auditRequest(_ head: RequestHead, _ context: AccessContext, allowed: Bool, status: Int?) -> Bool {
        sequence += 1
        var record = auditRecord(.request)
        record.sequence = sequence
        record.policy = context.user?.policyName
        record.method = head.method
        record.path = context.request?.path ?? head.target
        record.apiVersion = context.request?.apiVersion?.description
        record.group = context.request?.route?.group.rawValue
        record.action = context.request?.route?.action.rawValue
        record.decision = allowed ? .allow : .deny
        record.rule = context.rule
        record.reason = context.reason
        if allowed, let denial = context.wouldDeny {
            // Observe mode: what enforcement would have done; the request is forwarded all the same.
            record.decision = .wouldDeny
            record.rule = denial.rule
            record.reason = denial.reason
        }
        record.status = status
        record.details = context.details
        // Every decision is with the sinks before its consequence: a permitted request's record
        // before a byte is forwarded, a denial's before the client reads the refusal (so what the
        // client was told is always already on record).
        let written = writeAuditNow(record)
        if allowed && written {
            var exchange = ExchangeAudit(record: record, startedNanos: DispatchTime.now().uptimeNanoseconds)
            switch record.action {
            case "container.create": exchange.createdKey = "container_id"
            case "exec.create": exchange.createdKey = "exec_id"
            default: break
            }
            exchangeAudit = exchange
        }
        return written
    }

    /// The response of an audited request is complete (or was cut short: `reason`).
    func auditResponseEnded(reason: String? = nil) {
        guard let exchange = exchangeAudit else { return }
        exchangeAudit = nil
        var record = followUp(exchange.record, .response, startedNanos: exchange.startedNanos)
        record.reason = reason
        record.status = exchange.status
        record.bytesIn = exchange.bytesIn
        record.bytesOut = exchange.bytesOut
        if let key = exchange.createdKey, !exchange.capturedBody.isEmpty {
            let body = exchange.capturedIsChunked ? ChunkedBodyDecoder.decode(exchange.capturedBody) : exchange.capturedBody
            if let body, let id = AuditFacts.createdID(fromResponseBody: body) {
                record.details.append((key, .string(id)))
            }
        }
        writeAudit(record)
    }

    /// A later record about the same request: its identity and target, without the decision.
    private func followUp(_ request: AuditRecord, _ kind: AuditRecord.Kind, startedNanos: UInt64?) -> AuditRecord {
        var record = request
        record.kind = kind
        record.time = Date()
        record.decision = nil
        record.rule = nil
        record.reason = nil
        record.status = nil
        record.durationMicros = startedNanos.map { (DispatchTime.now().uptimeNanoseconds - $0) / 1_000 }
        return record
    }

    func auditRequestBytes(_ count: Int) {
        exchangeAudit?.bytesIn += UInt64(count)
    }

    /// Counts response bytes, and keeps the body of a create response (bounded) for its id.
    func auditResponseBytes(_ bytes: [UInt8], isBody: Bool) {
        guard exchangeAudit != nil else { return }
        exchangeAudit!.bytesOut += UInt64(bytes.count)
        if isBody, exchangeAudit!.createdKey != nil,
            exchangeAudit!.capturedBody.count + bytes.count <= Self.maxCapturedResponseBytes
        {
            exchangeAudit!.capturedBody.append(contentsOf: bytes)
        }
    }

    func auditResponseHead(_ head: ResponseHead) {
        exchangeAudit?.status = head.status
        exchangeAudit?.capturedIsChunked = head.framing == .chunked
    }

    /// A 101 (or legacy raw stream) turned the request into a tunnel.
    func auditTunnelOpened() {
        guard let exchange = exchangeAudit else { return }
        auditResponseEnded()
        var record = followUp(exchange.record, .sessionOpen, startedNanos: nil)
        record.status = exchange.status
        writeAudit(record)
        tunnelAudit = TunnelAudit(record: record, startedNanos: DispatchTime.now().uptimeNanoseconds)
    }

    func auditTunnelBytes(fromClient: Int = 0, toClient: Int = 0) {
        tunnelAudit?.bytesIn += UInt64(fromClient)
        tunnelAudit?.bytesOut += UInt64(toClient)
    }

    func auditTunnelClosed(reason: String) {
        guard let tunnel = tunnelAudit else { return }
        tunnelAudit = nil
        var record = followUp(tunnel.record, .sessionClose, startedNanos: tunnel.startedNanos)
        record.reason = reason
        record.bytesIn = tunnel.bytesIn
        record.bytesOut = tunnel.bytesOut
        if record.action == "exec.start", case .string(let execID)? = record.details.first(where: { $0.0 == "exec_id" })?.1 {
            // The exit code is asked of the daemon off this loop; the record follows when it is in
            // (after everything this connection recorded so far).
            auditBatch.flush()
            ExecExitCode(daemon: environment.daemonFacts.client).recordWhenKnown(record, execID: execID, trail: environment.audit)
            return
        }
        writeAudit(record)
    }

    func auditHandshakeFailure(reason: String, subject: String?) {
        var record = auditRecord(.handshakeFailure)
        record.reason = reason
        if let subject { record.details = [("presented_subject", .string(subject))] }
        writeAudit(record)
    }

    func auditConnectionClosed(reason: String) {
        auditResponseEnded(reason: exchangeAudit == nil ? nil : "connection closed: \(reason)")
        auditTunnelClosed(reason: reason)
        guard identity != nil else { return }
        var record = auditRecord(.connectionClose)
        // A close that began on a timer says so ("closed" alone would hide an idle timeout).
        record.reason = closeCause.map { "\($0); \(reason)" } ?? reason
        record.details = [("requests", .int(Int64(sequence)))]
        record.durationMicros = (DispatchTime.now().uptimeNanoseconds - openedNanos) / 1_000
        writeAudit(record)
    }
}
