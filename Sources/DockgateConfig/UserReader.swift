import DockgateCore
import DockgatePolicy
import Yams

/// Reads `users:`: a list of `{cn, policy, fingerprint?, observe?}`; every policy named must exist.
struct UserReader {
    let reader: YAMLReader

    func users(_ node: Node?, policies: [String: Policy]) throws(ConfigurationError) -> [Configuration.User] {
        guard let node else { return [] }
        var users: [Configuration.User] = []
        for item in try reader.sequence(node, context: "users") {
            let map = try reader.mapping(item, allowedKeys: ["cn", "policy", "fingerprint", "team", "observe"], context: "users entry")
            let commonName = try reader.requiredString(map, "cn", in: item, context: "users entry")
            // Exact byte match on ASCII only: homoglyphs, spaces and NUL cannot alias a user (THREATS T-02).
            guard commonName.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw reader.error(item, "cn must be printable ASCII without spaces: \"\(commonName)\"")
            }
            guard !users.contains(where: { $0.commonName.hasSameBytes(as: commonName) }) else {
                throw reader.error(item, "user \"\(commonName)\" is listed twice")
            }
            let policyName = try reader.requiredString(map, "policy", in: item, context: "user \"\(commonName)\"")
            guard policies[policyName] != nil else {
                let known = policies.keys.sorted().joined(separator: ", ")
                throw reader.error(map["policy"] ?? item, "user \"\(commonName)\" names policy \"\(policyName)\", which is not defined (defined: \(known.isEmpty ? "none" : known))")
            }
            var fingerprint: String?
            if let value = map["fingerprint"] {
                fingerprint = try reader.fingerprint(value, context: "user \"\(commonName)\" fingerprint")
            }
            var team: String?
            if let value = map["team"] {
                let text = try reader.string(value, context: "user \"\(commonName)\" team")
                // Stamped as a label value and matched byte for byte, like the CN.
                guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }), !text.isEmpty else {
                    throw reader.error(value, "team must be printable ASCII without spaces: \"\(text)\"")
                }
                team = text
            }
            var observes = false
            if let value = map["observe"] { observes = try reader.bool(value, context: "user \"\(commonName)\" observe") }
            users.append(Configuration.User(
                commonName: commonName, policyName: policyName, fingerprint: fingerprint, team: team, observes: observes))
        }
        return users
    }
}
