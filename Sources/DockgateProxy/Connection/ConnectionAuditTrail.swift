import DockgateAuthorization
import DockgateAudit
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgateIO

/// The audit bookkeeping of one connection: the records it writes and what their follow-ups
/// (response, session open and close, connection close) carry over from them. Pure: records
/// leave as `writeAudit` actions.
struct ConnectionAuditTrail {
    /// The request record of the exchange in flight, and what its response adds.
    struct Exchange {
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
    struct Tunnel {
        var record: AuditRecord
        let startedNanos: UInt64
        var bytesIn: UInt64 = 0
        var bytesOut: UInt64 = 0
    }

    static let maxCapturedResponseBytes = 64 * 1024

    let connectionID: ConnectionID
    let peer: PeerAddress
    let clock: any ConnectionClock
    let openedNanos: UInt64
    var identity: ClientIdentity? {
        didSet { fragment = AuditIdentityFragment(clientAddress: peer.host, clientPort: peer.port, identity: identity) }
    }
    /// Who is on this connection, JSON-encoded once (and again only when the policy changes).
    private var fragment: AuditIdentityFragment
    /// Requests judged on this connection so far (the audit sequence number).
    private(set) var sequence = 0
    private(set) var exchange: Exchange?
    private(set) var tunnel: Tunnel?
    /// Why a graceful close began, when a timer began it (its `connection_close` record says so).
    var closeCause: String?

    init(connectionID: ConnectionID, peer: PeerAddress, clock: any ConnectionClock) {
        self.connectionID = connectionID
        self.peer = peer
        self.clock = clock
        self.openedNanos = clock.uptimeNanoseconds
        self.fragment = AuditIdentityFragment(clientAddress: peer.host, clientPort: peer.port, identity: nil)
    }

    /// A record with this connection's facts: time, ids, client address, verified identity.
    func baseRecord(_ kind: AuditRecord.Kind) -> AuditRecord {
        AuditRecord(kind: kind, time: clock.now, connectionID: connectionID.rawValue, identity: fragment)
    }

    /// The fragment with the user's policy, made again only when the policy differs from the last.
    private mutating func fragment(policy: String?) -> AuditIdentityFragment {
        if !policy.hasSameBytes(as: fragment.policyName) { fragment = fragment.withPolicy(policy) }
        return fragment
    }

    /// The request record of a decision; the caller writes it and waits for it before acting.
    mutating func requestRecord(_ head: RequestHead, _ context: AccessContext, allowed: Bool, status: Int?) -> AuditRecord {
        sequence += 1
        let policy = context.user?.policyName
        var record = AuditRecord(kind: .request, time: clock.now, connectionID: connectionID.rawValue, identity: fragment(policy: policy))
        record.sequence = sequence
        record.policy = policy
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
        return record
    }

    /// A forwarded request's record is written: from now on its response is accounted to it.
    mutating func exchangeBegan(_ record: AuditRecord) {
        var exchange = Exchange(record: record, startedNanos: clock.uptimeNanoseconds)
        switch record.action.flatMap(DockerAction.init(name:)) {
        case .containerCreate: exchange.createdKey = "container_id"
        case .execCreate: exchange.createdKey = "exec_id"
        default: break
        }
        self.exchange = exchange
    }

    /// A request refused before it could be judged (its head or body could not be read).
    mutating func rejectedRecord(status: Int, reason: String) -> AuditRecord {
        sequence += 1
        var record = baseRecord(.request)
        record.sequence = sequence
        record.decision = .deny
        record.rule = "request/malformed"
        record.reason = reason
        record.status = status
        return record
    }

    mutating func requestBytes(_ count: Int) {
        exchange?.bytesIn += UInt64(count)
    }

    mutating func responseHead(_ head: ResponseHead) {
        exchange?.status = head.status
        exchange?.capturedIsChunked = head.framing == .chunked
    }

    mutating func setResponseStatus(_ status: Int) {
        exchange?.status = status
    }

    /// Counts response bytes, and keeps the body of a create response (bounded) for its id.
    mutating func responseBytes(_ bytes: [UInt8], isBody: Bool) {
        guard exchange != nil else { return }
        exchange!.bytesOut += UInt64(bytes.count)
        if isBody, exchange!.createdKey != nil, exchange!.capturedBody.count + bytes.count <= Self.maxCapturedResponseBytes {
            exchange!.capturedBody.append(contentsOf: bytes)
        }
    }

    /// The response of an audited request is complete (or was cut short: `reason`).
    mutating func responseEnded(reason: String? = nil, _ actions: inout [ConnectionAction]) {
        guard let exchange else { return }
        self.exchange = nil
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
        actions.append(.writeAudit(record, awaitsWrite: false))
    }

    /// A 101 (or legacy raw stream) turned the request into a tunnel.
    mutating func tunnelOpened(_ actions: inout [ConnectionAction]) {
        guard let exchange else { return }
        responseEnded(&actions)
        var record = followUp(exchange.record, .sessionOpen, startedNanos: nil)
        record.status = exchange.status
        actions.append(.writeAudit(record, awaitsWrite: false))
        tunnel = Tunnel(record: record, startedNanos: clock.uptimeNanoseconds)
    }

    mutating func tunnelBytes(fromClient: Int = 0, toClient: Int = 0) {
        tunnel?.bytesIn += UInt64(fromClient)
        tunnel?.bytesOut += UInt64(toClient)
    }

    mutating func tunnelClosed(reason: String, _ actions: inout [ConnectionAction]) {
        guard let tunnel else { return }
        self.tunnel = nil
        var record = followUp(tunnel.record, .sessionClose, startedNanos: tunnel.startedNanos)
        record.reason = reason
        record.bytesIn = tunnel.bytesIn
        record.bytesOut = tunnel.bytesOut
        if record.action.flatMap(DockerAction.init(name:)) == .execStart, case .string(let execID)? = record.details.first(where: { $0.0 == "exec_id" })?.1 {
            actions.append(.recordExecSessionEnd(record, execID: execID))
            return
        }
        actions.append(.writeAudit(record, awaitsWrite: false))
    }

    func handshakeFailure(reason: String, subject: String?, _ actions: inout [ConnectionAction]) {
        var record = baseRecord(.handshakeFailure)
        record.reason = reason
        if let subject { record.details = [("presented_subject", .string(subject))] }
        actions.append(.writeAudit(record, awaitsWrite: false))
    }

    mutating func connectionClosed(reason: String, _ actions: inout [ConnectionAction]) {
        responseEnded(reason: exchange == nil ? nil : "connection closed: \(reason)", &actions)
        tunnelClosed(reason: reason, &actions)
        guard identity != nil else { return }
        var record = baseRecord(.connectionClose)
        // A close that began on a timer says so ("closed" alone would hide an idle timeout).
        record.reason = closeCause.map { "\($0); \(reason)" } ?? reason
        record.details = [("requests", .int(Int64(sequence)))]
        record.durationMicros = (clock.uptimeNanoseconds - openedNanos) / 1_000
        actions.append(.writeAudit(record, awaitsWrite: false))
    }

    /// A later record about the same request: its identity and target, without the decision.
    private func followUp(_ request: AuditRecord, _ kind: AuditRecord.Kind, startedNanos: UInt64?) -> AuditRecord {
        var record = request
        record.kind = kind
        record.time = clock.now
        record.decision = nil
        record.rule = nil
        record.reason = nil
        record.status = nil
        record.durationMicros = startedNanos.map { (clock.uptimeNanoseconds - $0) / 1_000 }
        return record
    }
}
