import DockgateDocker
import DockgatePolicy
import Yams

/// Reads `policies:`: a mapping from policy name to its rules. Every value is validated here, so
/// a policy that reaches the engine means exactly what the file says.
struct PolicyReader {
    let reader: YAMLReader

    static let keys: Set<String> = [
        "endpoints", "read_only", "privileged", "images", "allow_image_writes", "bind_mounts", "capabilities", "scope", "observe",
    ]

    func policies(_ node: Node) throws(ConfigurationError) -> [String: Policy] {
        guard let mapping = node.mapping else { throw reader.error(node, "policies must be a mapping from name to policy") }
        var result: [String: Policy] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, !name.isEmpty else { throw reader.error(key, "policy names must be strings") }
            guard result[name] == nil else { throw reader.error(key, "policy \"\(name)\" is defined twice") }
            result[name] = try policy(named: name, value)
        }
        return result
    }

    private func policy(named name: String, _ node: Node) throws(ConfigurationError) -> Policy {
        let context = "policy \"\(name)\""
        let map = try reader.mapping(node, allowedKeys: Self.keys, context: context)
        var policy = Policy(name: name)
        if let value = map["endpoints"] { try endpoints(value, into: &policy, context: context) }
        policy.isReadOnly = try bool(map["read_only"], "\(context).read_only") ?? false
        policy.isPrivileged = try bool(map["privileged"], "\(context).privileged") ?? false
        policy.allowsImageWrites = try bool(map["allow_image_writes"], "\(context).allow_image_writes") ?? false
        policy.isObserved = try bool(map["observe"], "\(context).observe") ?? false
        if let value = map["images"] {
            policy.images = try reader.sequence(value, context: "\(context).images").map { (item) throws(ConfigurationError) in
                let text = try reader.string(item, context: "\(context).images")
                do throws(ImageReferenceError) {
                    return try ImagePattern(text)
                } catch {
                    throw reader.error(item, "\(context): invalid image pattern \"\(text)\": \(error.message)")
                }
            }
        }
        if let value = map["bind_mounts"] {
            policy.bindMountRoots = try reader.sequence(value, context: "\(context).bind_mounts").map { (item) throws(ConfigurationError) in
                try bindRoot(item, context: context)
            }
        }
        if let value = map["capabilities"] {
            policy.capabilities = Set(try reader.sequence(value, context: "\(context).capabilities").map { (item) throws(ConfigurationError) in
                let text = try reader.string(item, context: "\(context).capabilities")
                guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                    throw reader.error(item, "\(context): invalid capability name \"\(text)\"")
                }
                let upper = text.uppercased()
                let normalized = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
                guard normalized != "CAP_ALL" else { throw reader.error(item, "\(context): capability ALL cannot be allowed; list capabilities one by one") }
                return normalized
            })
        }
        if let value = map["scope"] {
            let text = try reader.string(value, context: "\(context).scope")
            guard let scope = OwnershipScope.allCases.first(where: { $0.rawValue.utf8.elementsEqual(text.utf8) }) else {
                throw reader.error(value, "\(context).scope must be own, team or all, not \"\(text)\"")
            }
            policy.configuredScope = scope
        }
        if policy.isReadOnly, let group = policy.endpoints.first(where: { $0.value == .write })?.key {
            throw reader.error(node, "\(context) is read_only but grants write access to \(group.rawValue)")
        }
        return policy
    }

    /// `endpoints: all` (every group, and routes dockgate does not classify) or `{group: none|read|write}`.
    private func endpoints(_ node: Node, into policy: inout Policy, context: String) throws(ConfigurationError) {
        if let scalar = node.scalar {
            guard scalar.string == "all" else { throw reader.error(node, "\(context).endpoints must be \"all\" or a mapping of group to access") }
            for group in EndpointGroup.allCases { policy.endpoints[group] = .write }
            policy.allowsUnknownEndpoints = true
            return
        }
        let groups = Set(EndpointGroup.allCases.map(\.rawValue))
        let map = try reader.mapping(node, allowedKeys: groups, context: "\(context).endpoints")
        for (groupName, value) in map {
            let text = try reader.string(value, context: "\(context).endpoints.\(groupName)")
            guard let level = AccessLevel(rawValue: text), let group = EndpointGroup(rawValue: groupName) else {
                throw reader.error(value, "\(context).endpoints.\(groupName) must be none, read or write, not \"\(text)\"")
            }
            policy.endpoints[group] = level
        }
    }

    private func bool(_ node: Node?, _ context: String) throws(ConfigurationError) -> Bool? {
        guard let node else { return nil }
        return try reader.bool(node, context: context)
    }

    private func bindRoot(_ node: Node, context: String) throws(ConfigurationError) -> String {
        let text = try reader.string(node, context: "\(context).bind_mounts")
        let components = text.split(separator: "/")
        guard text.hasPrefix("/"), !components.isEmpty, !components.contains(".."), !components.contains(".") else {
            throw reader.error(node, "\(context): bind_mounts entries must be absolute folders other than / without . or .. (\"\(text)\")")
        }
        return "/" + components.joined(separator: "/")
    }
}
