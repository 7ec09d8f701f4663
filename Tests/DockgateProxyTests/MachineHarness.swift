import DockgateAudit
import DockgateAuthorization
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgateIO
import Foundation
import Logging
import Synchronization

@testable import DockgateProxy

/// A clock the test moves by hand.
final class ManualClock: ConnectionClock, @unchecked Sendable {
    private let nanos = Mutex<UInt64>(1_000_000_000)
    var now: Date { Date(timeIntervalSince1970: 1_800_000_000 + Double(uptimeNanoseconds) / 1e9) }
    var uptimeNanoseconds: UInt64 { nanos.withLock { $0 } }
    func advance(by seconds: Double) { nanos.withLock { $0 += UInt64(seconds * 1e9) } }
}

/// Drives a `ConnectionMachine` the way `ClientConnection` does, with no sockets: what the
/// machine sends is collected, and the answers to its slow actions are given when the test says
/// (or at once, by default).
struct MachineHarness {
    var machine: ConnectionMachine
    let clock = ManualClock()
    /// Bytes the machine sent to each side, in order, not yet taken by the test.
    var clientOutput: [UInt8] = []
    var upstreamOutput: [UInt8] = []
    /// Every action performed, in order, for assertions on ordering.
    var performed: [ConnectionAction] = []
    var records: [AuditRecord] = []
    /// The armed deadline and when it is due.
    var timer: (ConnectionTimer, due: UInt64)?
    var finishedClient = false
    var closedReason: String?
    var upstreamOpen = false
    var upstreamWriteShut = false

    /// How judging answers: the head verdict for a head (default: allow, with its route).
    var headVerdict: (RequestHead) -> AccessVerdict = { head in .allow(MachineHarness.context(for: head)) }
    /// When false, writes to each side are reported only by `flushClient()`/`flushUpstream()`.
    var clientWritesComplete = true
    var upstreamWritesComplete = true
    /// When false, awaited audit writes are answered only by `completeAudit(_:)`.
    var auditWritesComplete = true
    var auditAnswer = true
    var connectSucceeds = true
    var connectsAtOnce = true
    private(set) var awaitingAudit = false
    private(set) var awaitingConnect = false
    private(set) var pendingJudgement: PendingJudgement?
    var judgesAtOnce = true

    init(limits: ProxyLimits = ProxyLimits()) {
        let peer = PeerAddress(host: "127.0.0.1", port: 40000)
        machine = ConnectionMachine(
            connectionID: ConnectionID.next(), peer: peer, limits: limits, maxInspectedBodyBytes: 1024 * 1024,
            upstreamDescription: "/run/docker.sock", clock: clock, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        var actions: [ConnectionAction] = []
        machine.start(into: &actions)
        perform(actions)
    }

    static let alice = ClientIdentity(
        commonName: "alice", subject: "CN=alice", subjectAlternativeNames: [], serialHex: "01", sha256Fingerprint: "AB")

    static func context(for head: RequestHead) -> AccessContext {
        var context = AccessContext()
        context.rule = "test/allow"
        context.request = try? RequestCanonicalizer.canonicalize(method: head.method, target: head.target)
        return context
    }

    /// A machine past its handshake, in HTTP.
    static func connected(limits: ProxyLimits = ProxyLimits()) -> MachineHarness {
        var harness = MachineHarness(limits: limits)
        harness.send(.handshakeCompleted(alice))
        return harness
    }

    mutating func send(_ event: ConnectionEvent) {
        var actions: [ConnectionAction] = []
        machine.handle(event, into: &actions)
        perform(actions)
    }

    mutating func client(_ text: String) { send(.clientBytes(Array(text.utf8))) }
    mutating func daemon(_ text: String) { send(.upstreamBytes(Array(text.utf8))) }

    mutating func takeClientOutput() -> String {
        defer { clientOutput = [] }
        return String(decoding: clientOutput, as: UTF8.self)
    }

    mutating func takeUpstreamOutput() -> String {
        defer { upstreamOutput = [] }
        return String(decoding: upstreamOutput, as: UTF8.self)
    }

    /// Moves the clock; fires the armed timer when it is due.
    mutating func advance(by seconds: Double) {
        clock.advance(by: seconds)
        if let (purpose, due) = timer, clock.uptimeNanoseconds >= due {
            timer = nil
            send(.timerFired(purpose))
        }
    }

    private var unreportedClient = 0
    private var unreportedUpstream = 0

    mutating func flushClient() {
        let count = unreportedClient
        unreportedClient = 0
        if count > 0 { send(.wroteToClient(count)) }
    }

    mutating func flushUpstream() {
        let count = unreportedUpstream
        unreportedUpstream = 0
        if count > 0 { send(.wroteToUpstream(count)) }
    }

    mutating func completeAudit(_ written: Bool) {
        precondition(awaitingAudit)
        awaitingAudit = false
        send(.auditWritten(written))
    }

    mutating func completeConnect(_ succeeded: Bool) {
        precondition(awaitingConnect)
        awaitingConnect = false
        upstreamOpen = succeeded
        send(succeeded ? .upstreamConnected : .upstreamConnectFailed("connect(/run/docker.sock): ECONNREFUSED"))
    }

    mutating func completeJudgement(_ judgement: RequestJudgement) {
        precondition(pendingJudgement != nil)
        pendingJudgement = nil
        send(.requestJudged(judgement))
    }

    private mutating func perform(_ actions: [ConnectionAction]) {
        for action in actions {
            performed.append(action)
            switch action {
            case .sendToClient(let bytes):
                clientOutput += bytes
                if clientWritesComplete { send(.wroteToClient(bytes.count)) } else { unreportedClient += bytes.count }
            case .sendToUpstream(let bytes):
                upstreamOutput += bytes
                if upstreamWritesComplete { send(.wroteToUpstream(bytes.count)) } else { unreportedUpstream += bytes.count }
            case .judgeHead(let head):
                send(.headJudged(headVerdict(head)))
            case .judgeRequest(let pending):
                if judgesAtOnce {
                    send(.requestJudged(Self.judgement(pending)))
                } else {
                    pendingJudgement = pending
                }
            case .writeAudit(let record, let awaitsWrite):
                records.append(record)
                if awaitsWrite {
                    awaitingAudit = true
                    if auditWritesComplete { completeAudit(auditAnswer) }
                }
            case .recordExecSessionEnd(let record, _):
                records.append(record)
            case .connectUpstream:
                awaitingConnect = true
                if connectsAtOnce { completeConnect(connectSucceeds) }
            case .closeUpstream:
                upstreamOpen = false
            case .shutdownUpstreamWrite:
                upstreamWriteShut = true
            case .armTimer(let purpose, let seconds):
                timer = (purpose, clock.uptimeNanoseconds + UInt64(seconds * 1e9))
            case .cancelTimer:
                timer = nil
            case .finishClient:
                finishedClient = true
            case .sendPlaintextToClient(let bytes):
                clientOutput += bytes
            case .close(let reason):
                closedReason = reason
                timer = nil
            }
        }
    }

    /// What the driver decides without a daemon: the head verdict as final, bodies allowed.
    static func judgement(_ pending: PendingJudgement) -> RequestJudgement {
        switch pending.verdict {
        case .allow(let context), .inspectBody(_, let context):
            return .allow(context, headBytes: pending.headBytes, body: pending.heldBody)
        case .deny(let status, let message, let context):
            return .deny(status: status, message: message, context)
        }
    }

    var requestRecords: [AuditRecord] { records.filter { $0.kind == .request } }
}
