/// Host paths a container may bind: only below the policy's roots, never the Docker or
/// containerd sockets and state, never dockgate's own files, never an ancestor of those (THREATS M-01…M-04).
///
/// Every comparison is on bytes (`HostPath`), never on `String` equality.
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
        guard HostPath.isAbsolute(source) else {
            return .deny("host-escape/bind-mount", "\(field): bind source \"\(source)\" is not an absolute path")
        }
        // The kernel would stop at a NUL; what dockgate judges must be what the daemon mounts.
        guard !source.utf8.contains(0) else {
            return .deny("host-escape/bind-mount", "\(field): bind source contains a NUL byte")
        }
        let components = HostPath.components(source)
        if components.contains(where: HostPath.isDotDot) {
            return .deny("host-escape/bind-mount", "\(field): bind source \"\(source)\" contains \"..\"")
        }
        let cleaned = HostPath.join(components.filter { !HostPath.isDot($0) })
        let resolved: String
        switch resolver.resolve(cleaned) {
        case .resolved(let path):
            resolved = path
        case .unresolvable(let reason):
            // Passing the path on unresolved would judge a guess (THREATS M-02): refuse.
            return .deny(
                "host-escape/bind-unresolvable",
                "\(field): bind source \(cleaned) cannot be resolved on the host (\(reason)), so it is refused")
        }
        let resolvedRoots = roots.map { root -> [String] in
            if case .resolved(let path) = resolver.resolve(root) { return [root, path] }
            return [root]
        }
        // Both the path as written and the path the daemon will reach must pass (no Set: it would
        // merge canonically-equivalent strings that are different paths).
        for path in [cleaned, resolved] {
            if let reason = Self.forbiddenReason(path) {
                return .deny("host-escape/bind-mount", "\(field): bind of \(path) is never allowed (\(reason))")
            }
            guard resolvedRoots.contains(where: { $0.contains { HostPath.isWithin(path, root: $0) } }) else {
                let allowed = roots.isEmpty ? "this policy allows no bind mounts" : "allowed: \(roots.joined(separator: ", "))"
                return .deny("host-escape/bind-mount", "\(field): bind of host path \(path) is not allowed (\(allowed))")
            }
        }
        return nil
    }

    static func isWithin(_ path: String, root: String) -> Bool { HostPath.isWithin(path, root: root) }

    static func forbiddenReason(_ path: String) -> String? {
        if Array(path.utf8) == [HostPath.slash] { return "the host's root" }
        for entry in forbidden where isWithin(path, root: entry) || isWithin(entry, root: path) {
            return "it reaches \(entry)"
        }
        return nil
    }
}

extension Policy {
    /// Why `path` can never be a bind folder of a restricted policy (the host's root, the Docker
    /// and containerd sockets and state, /proc, /sys, /dev, /etc/dockgate), or nil.
    public static func bindFolderProblem(_ path: String) -> String? {
        BindMountRules.forbiddenReason(path)
    }
}
