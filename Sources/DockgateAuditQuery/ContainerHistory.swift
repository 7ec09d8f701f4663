import DockgateAudit

/// `who-ran`: everything done to one container, reconstructed from the trail in one pass.
///
/// The container may be asked for by name, full id or id prefix, and requests name it any of
/// those ways too, so the chain is followed through the links the trail records:
/// - a `container.create` request carries the `name`; its response adds the created
///   `container_id`: from then on that name means that id (names are reused after `rm`, so the
///   latest create wins);
/// - an `exec.create` names the container and its response carries the `exec_id`; `exec.start`,
///   `exec.resize` and `exec.inspect` name only the exec id, and are followed through it;
/// - a response and the session records of a hijacked stream (attach, exec start) share their
///   request's connection and sequence number, and are folded into its event.
///
/// Before a create is seen (it may be older than the trail), a reference matches when it is the
/// query itself, or when both are hex and one is a prefix of the other.
public struct ContainerHistory {
    public let query: String
    /// Keep routine reads (inspect, wait, resize, top, stats, changes), allowed or denied.
    public var includeRoutine: Bool
    public private(set) var events: [ContainerEvent] = []
    /// The containers the query resolved to, in the order they were created: (id, name).
    public private(set) var containers: [(id: String, name: String?)] = []

    private var matchedIDs: Set<String> = []
    private var idByName: [String: String] = [:]
    private var execEvents: [String: Int] = [:]
    private var openEvents: [ExchangeKey: Int] = [:]
    private var closedSessions: Set<Int> = []

    /// Actions that do not change a container and are left out unless asked for.
    static let routineActions: Set<String> = [
        "container.inspect", "container.wait", "container.resize", "container.top", "container.stats",
        "container.changes", "exec.resize", "exec.inspect",
    ]

    public init(query: String, includeRoutine: Bool = false) {
        self.query = ContainerReference.normalized(query)
        self.includeRoutine = includeRoutine
    }

    /// Lines that can belong to a chain: container and exec actions, without listings and (unless
    /// `includeRoutine`) routine reads, which are most of a trail's container lines.
    public static func prefilter(includeRoutine: Bool) -> LinePrefilter {
        let skipped = ["container.list"] + (includeRoutine ? [] : routineActions.sorted())
        return LinePrefilter(
            anyOf: [Array(#""container."#.utf8), Array(#""exec."#.utf8)],
            excluded: skipped.map { Array(#""action":""#.utf8) + Array($0.utf8) + [0x22] })
    }

    public mutating func consume(_ record: AuditRecord) {
        guard let action = record.action, action.hasPrefix("container.") || action.hasPrefix("exec.") else { return }
        switch record.kind {
        case .request:
            if let key = record.exchange { openEvents[key] = nil }
            if Self.routineActions.contains(action), !includeRoutine { return }
            guard matches(record, action: action) else { return }
            append(record, action: action)
        case .response, .sessionOpen, .sessionClose:
            if action == "container.create", record.kind == .response { learnCreated(record) }
            if let key = record.exchange, let index = openEvents[key] {
                merge(record, into: index)
            } else if record.kind == .response, matches(record, action: action),
                !Self.routineActions.contains(action) || includeRoutine
            {
                // The request record was not matched (a create asked for by id: only its response
                // names the id) or is outside the window.
                append(record, action: action)
            }
        case .handshakeFailure, .connectionClose:
            return
        }
    }

    private mutating func learnCreated(_ record: AuditRecord) {
        guard let id = record.detailText("container_id") else { return }
        let name = record.detailText("name").map(ContainerReference.normalized)
        if let name { idByName[name] = id }
        if name == query || ContainerReference.reference(query, matchesID: id) || matchedIDs.contains(id) {
            if matchedIDs.insert(id).inserted { containers.append((id, name)) }
        }
    }

    private func matches(_ record: AuditRecord, action: String) -> Bool {
        switch action {
        case "container.create":
            if let id = record.detailText("container_id"), matchedIDs.contains(id) { return true }
            guard let name = record.detailText("name").map(ContainerReference.normalized) else { return false }
            return name == query
        case "exec.start", "exec.resize", "exec.inspect":
            return record.detailText("exec_id").map { execEvents[$0] != nil } ?? false
        default:
            return record.detailText("container").map(referenceMatches) ?? false
        }
    }

    private func referenceMatches(_ text: String) -> Bool {
        let reference = ContainerReference.normalized(text)
        if let id = idByName[reference] { return matchedIDs.contains(id) }
        if matchedIDs.contains(where: { ContainerReference.reference(reference, matchesID: $0) }) { return true }
        if reference == query { return true }
        return ContainerReference.looksLikeID(reference) && ContainerReference.looksLikeID(query)
            && (reference.hasPrefix(query) || query.hasPrefix(reference))
    }

    /// The full id a reference stands for, when known.
    private func resolvedID(_ text: String?) -> String? {
        guard let text else { return nil }
        let reference = ContainerReference.normalized(text)
        if let id = idByName[reference], matchedIDs.contains(id) { return id }
        return matchedIDs.first { ContainerReference.reference(reference, matchesID: $0) }
    }

    private mutating func append(_ record: AuditRecord, action: String) {
        var event = ContainerEvent(
            time: AuditTimestamp.text(AuditTimestamp.micros(of: record)), user: record.commonName, policy: record.policy,
            action: action, decision: record.decision?.rawValue, rule: record.rule, reason: record.reason, status: record.status,
            reference: record.detailText("container") ?? record.detailText("name"),
            containerID: nil, name: nil, image: nil, command: nil, execID: nil, execUser: nil,
            bytesIn: nil, bytesOut: nil, durationMicros: nil,
            connection: record.connectionID, sequence: record.sequence)
        switch action {
        case "container.create":
            event.name = record.detailText("name")
            event.image = record.detailText("image")
            event.command = (record.detailList("entrypoint") ?? []) + (record.detailList("cmd") ?? [])
            if event.command?.isEmpty == true { event.command = nil }
        case "exec.create":
            event.command = record.detailList("cmd")
            event.execUser = record.detailText("user")
        case "exec.start", "exec.resize", "exec.inspect":
            event.execID = record.detailText("exec_id")
            if let id = event.execID, let created = execEvents[id] {
                event.command = events[created].command
                event.execUser = events[created].execUser
                event.reference = events[created].reference
                event.containerID = events[created].containerID
            }
        default:
            break
        }
        if event.containerID == nil { event.containerID = resolvedID(event.reference) }
        events.append(event)
        let index = events.count - 1
        if record.kind != .request {
            // A response standing in for its request: its decision was allow.
            events[index].decision = AuditRecord.Decision.allow.rawValue
            merge(record, into: index)
        }
        if let key = record.exchange, record.kind != .request || record.decision == .allow { openEvents[key] = index }
    }

    private mutating func merge(_ record: AuditRecord, into index: Int) {
        if let status = record.status { events[index].status = status }
        switch record.kind {
        case .sessionClose:
            closedSessions.insert(index)
            setTraffic(record, index)
        case .response where !closedSessions.contains(index):
            setTraffic(record, index)
        default:
            break
        }
        if let id = record.detailText("container_id"), events[index].action == "container.create" {
            events[index].containerID = id
        }
        if let execID = record.detailText("exec_id"), events[index].action == "exec.create" {
            events[index].execID = execID
            execEvents[execID] = index
        }
    }

    private mutating func setTraffic(_ record: AuditRecord, _ index: Int) {
        events[index].bytesIn = record.bytesIn ?? events[index].bytesIn
        events[index].bytesOut = record.bytesOut ?? events[index].bytesOut
        events[index].durationMicros = record.durationMicros ?? events[index].durationMicros
    }
}
