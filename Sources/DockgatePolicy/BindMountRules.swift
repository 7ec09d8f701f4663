/// Host paths a container may bind: only below the policy's roots, never the Docker or
/// containerd sockets and state, never dockgate's own files, never an ancestor of those (THREATS M-01…M-04).
struct BindMountRules {
    let roots: [String]
    let resolver: any HostPathResolver

    /// Paths no bind may reach, whatever the roots say: each is the daemon's API or its state.
    static let forbidden = [
        "/var/run/docker.sock", "/run/docker.sock", "/var/run/docker", "/run/docker", "/var/lib/docker",
        "/run/containerd", "/var/run/containerd", "/var/lib/containerd", "/etc/dockgate", "/proc", "/sys", "/dev",
    ]

    /// nil when the source may be bound; otherwise the denial.
    func check(source: String, field: String) -> PolicyDecision? {
        guard source.hasPrefix("/") else { return .deny("host-escape/bind-mount", "\(field): bind source \"\(source)\" is not an absolute path") }
        let components = source.split(separator: "/", omittingEmptySubsequences: true)
        if components.contains("..") {
            return .deny("host-escape/bind-mount", "\(field): bind source \"\(source)\" contains \"..\"")
        }
        let cleaned = "/" + components.filter { $0 != "." }.joined(separator: "/")
        let resolved = resolver.resolve(cleaned)
        for path in Set([cleaned, resolved]) {
            if let reason = Self.forbiddenReason(path) {
                return .deny("host-escape/bind-mount", "\(field): bind of \(path) is never allowed (\(reason))")
            }
            guard roots.contains(where: { Self.isWithin(path, root: resolver.resolve($0)) || Self.isWithin(path, root: $0) }) else {
                let allowed = roots.isEmpty ? "this policy allows no bind mounts" : "allowed: \(roots.joined(separator: ", "))"
                return .deny("host-escape/bind-mount", "\(field): bind of host path \(path) is not allowed (\(allowed))")
            }
        }
        return nil
    }

    static func isWithin(_ path: String, root: String) -> Bool {
        let root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        return path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }

    static func forbiddenReason(_ path: String) -> String? {
        if path == "/" { return "the host's root" }
        for entry in forbidden where isWithin(path, root: entry) || isWithin(entry, root: path) {
            return "it reaches \(entry)"
        }
        return nil
    }
}
