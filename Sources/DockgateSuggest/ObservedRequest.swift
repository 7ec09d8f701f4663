import DockgateAudit
import DockgateDocker

/// The facts of one audit `request` record that a policy suggestion is built from: who, when,
/// what was decided, which Docker action, and the security details (image, binds, mounts, added
/// capabilities). Read from the JSON line the audit trail wrote; nothing else of the record is kept.
public struct ObservedRequest: Sendable, Equatable {
    /// RFC 3339 UTC as the trail writes it (`2026-11-25T08:30:01.123456Z`).
    public var time: String
    public var commonName: String
    public var decision: AuditRecord.Decision
    public var rule: String
    public var reason: String
    public var method: String
    /// The canonical path, without the API version prefix.
    public var path: String
    public var group: String?
    /// Nil for a request no route matched (or an action this dockgate does not know).
    public var action: DockerAction?
    /// String details (`image`, `tag`, …).
    public var text: [String: String]
    /// List details (`binds`, `mounts`, `cap_add`, `cmd`, …).
    public var lists: [String: [String]]
    /// `also_would_deny`: further rules a would-deny request broke besides `rule`.
    public var alsoBroken: [String]

    public init(
        time: String = "", commonName: String, decision: AuditRecord.Decision, rule: String = "", reason: String = "",
        method: String, path: String, group: String?, action: DockerAction?,
        text: [String: String] = [:], lists: [String: [String]] = [:], alsoBroken: [String] = []
    ) {
        self.time = time
        self.commonName = commonName
        self.decision = decision
        self.rule = rule
        self.reason = reason
        self.method = method
        self.path = path
        self.group = group
        self.action = action
        self.text = text
        self.lists = lists
        self.alsoBroken = alsoBroken
    }

    /// The request record on one audit line, or nil for other kinds of record and for lines that
    /// are not a readable record (a torn last line of a file being written, say).
    public static func parse(line: some Collection<UInt8>) -> ObservedRequest? {
        guard case .object(let record)? = try? StrictJSONReader(maxBytes: 1 << 20, rejectFoldedDuplicates: false).read(line),
            case .string("request")? = record.exactMember("kind"),
            let commonName = string(record, "cn"),
            let decision = string(record, "decision").flatMap({ AuditRecord.Decision(name: $0) }),
            let method = string(record, "method"), let path = string(record, "path")
        else { return nil }
        var request = ObservedRequest(
            time: string(record, "time") ?? "", commonName: commonName, decision: decision,
            rule: string(record, "rule") ?? "", reason: string(record, "reason") ?? "", method: method, path: path,
            group: string(record, "group"), action: string(record, "action").flatMap { DockerAction(name: $0) })
        if case .object(let details)? = record.exactMember("details") {
            for (key, value) in details.members {
                switch value {
                case .string(let text): request.text[key] = text
                case .array(let items): request.lists[key] = items.compactMap { if case .string(let s) = $0 { s } else { nil } }
                default: break
                }
            }
        }
        request.alsoBroken = request.lists.removeValue(forKey: "also_would_deny") ?? []
        return request
    }

    private static func string(_ object: JSONObject, _ key: String) -> String? {
        if case .string(let value)? = object.exactMember(key) { return value }
        return nil
    }

    /// "container.create (POST /containers/create)": how a comment names an example request.
    public var example: String {
        var text = "\(action?.rawValue ?? "?") (\(method) \(path))"
        if let image = self.text["image"] { text += " image \(image)" }
        return text
    }
}
