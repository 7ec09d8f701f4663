import DockgateCore
import DockgateDocker

/// The labels dockgate stamps on every container, volume and network it lets a user create:
/// the creator's CN, and their team when they have one. Objects without them belong to nobody.
///
/// The `io.dockgate.` prefix is reserved: a client that sets such a label itself is refused, so
/// the label always says who created the object. Keys are compared as bytes, as Go map keys are.
public enum OwnerLabels {
    public static let owner = "io.dockgate.owner"
    public static let team = "io.dockgate.team"
    public static let reservedPrefix = "io.dockgate."

    /// The reserved label a body sets itself, if any (`Labels` of a create body is a Go map).
    public static func reservedKey(in labels: JSONObject?) -> String? {
        labels?.keys.first { $0.startsWithBytes(of: reservedPrefix) }
    }

    /// The labels that record `tenant` as the creator.
    public static func labels(for tenant: Tenant) -> [(key: String, value: String)] {
        var labels = [(key: owner, value: tenant.commonName)]
        if let teamName = tenant.team { labels.append((team, teamName)) }
        return labels
    }

    /// The same labels as JSON members, for a create body.
    public static func stamp(for tenant: Tenant) -> [(key: String, value: JSONValue)] {
        labels(for: tenant).map { ($0.key, .string($0.value)) }
    }

    /// `body` (a create body object, or nil for none) with the owner labels added to its `Labels`
    /// member. The body was read with Go's rules and holds no reserved label (checked first).
    public static func stamped(_ body: JSONValue?, for tenant: Tenant) -> JSONValue {
        guard case .object(var object)? = body else {
            return .object(JSONObject([("Labels", .object(JSONObject(stamp(for: tenant))))]))
        }
        // Go matches the `Labels` field by fold: the member the daemon reads is the one to extend.
        if let index = object.members.lastIndex(where: { GoJSONFolding.equalFold($0.key, "Labels") }) {
            var labels: JSONObject
            switch object.members[index].value {
            case .object(let existing): labels = existing
            default: labels = JSONObject()  // null: Go reads no labels
            }
            labels.members += stamp(for: tenant)
            object.members[index].value = .object(labels)
        } else {
            object.members.append(("Labels", .object(JSONObject(stamp(for: tenant)))))
        }
        return .object(object)
    }

    /// The owner and team an object's labels name (exact keys).
    public static func owner(in labels: [(key: String, value: String)]) -> (owner: String?, team: String?) {
        var owner: String?
        var team: String?
        for (key, value) in labels {
            if key.hasSameBytes(as: Self.owner) { owner = value }
            if key.hasSameBytes(as: Self.team) { team = value }
        }
        return (owner, team)
    }
}
