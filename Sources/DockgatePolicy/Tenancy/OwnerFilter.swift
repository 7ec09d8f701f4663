import DockgateCore
import DockgateDocker

/// The owner filter merged into a list's or a stream's `filters` query parameter, so the daemon
/// itself returns only what the tenant may see (and streams stay zero-copy). dockerd ANDs every
/// `label` filter (`filters.MatchKVList`), so the client's own filters keep their meaning.
///
/// Read as dockerd's `filters.FromJSON` reads it: `{"label":{"a=b":true}}`, or the older
/// `{"label":["a=b"]}`; anything else is refused, as dockerd refuses it.
struct OwnerFilter {
    let scope: OwnershipScope
    let tenant: Tenant

    struct Problem: Error {
        let message: String
    }

    /// The label term that selects the tenant's objects: the team's when the scope is `team`
    /// and the user has one (every object a member creates carries it), otherwise the owner's.
    var term: String {
        if scope == .team, let team = tenant.team { return "\(OwnerLabels.team)=\(team)" }
        return "\(OwnerLabels.owner)=\(tenant.commonName)"
    }

    func merged(into query: QueryParameters) -> Result<String, Problem> {
        let given = query.all("filters")
        guard given.count <= 1 else { return .failure(Problem(message: "the filters parameter is given more than once")) }
        var fields: [(key: String, values: [String])] = []
        if let raw = given.first, !raw.isEmpty {
            let value: JSONValue
            do {
                value = try StrictJSONReader(maxBytes: 64 * 1024).read(Array(raw.utf8), shape: .map(.map(.plain)))
            } catch {
                return .failure(Problem(message: "the filters parameter cannot be read: \(error.message)"))
            }
            guard case .object(let object) = value else { return .failure(Problem(message: "filters must be a JSON object")) }
            for (key, entry) in object.members {
                switch entry {
                case .object(let set): fields.append((key, set.keys))
                case .array(let items):
                    var values: [String] = []
                    for item in items {
                        guard case .string(let text) = item else { return .failure(Problem(message: "filters.\(key) must hold strings")) }
                        values.append(text)
                    }
                    fields.append((key, values))
                default:
                    return .failure(Problem(message: "filters.\(key) must be a list or a set of strings"))
                }
            }
        }
        if let index = fields.firstIndex(where: { $0.key.hasSameBytes(as: "label") }) {
            fields[index].values.append(term)
        } else {
            fields.append(("label", [term]))
        }
        let encoded = JSONValue.object(JSONObject(fields.map { field in
            (field.key, JSONValue.object(JSONObject(field.values.map { ($0, JSONValue.bool(true)) })))
        }))
        return .success(String(decoding: encoded.serialized(), as: UTF8.self))
    }
}
