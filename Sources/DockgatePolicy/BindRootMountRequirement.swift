/// Every folder a restricted policy may bind must sit on a mount with `nosymfollow` (Linux 5.10+).
///
/// Why: a container that binds an allowed folder can turn a path below it into a symlink to `/`
/// at any moment, including after dockgate judged a create and before the daemon mounts at start
/// (or when the daemon restarts the container by itself, which dockgate never sees). On a
/// `nosymfollow` mount the kernel refuses to follow any symlink in path resolution (ELOOP), so
/// the daemon's stat, mkdir and mount(2) of a planted link fail instead of reaching the host's
/// root. dockgate's own checks at create and start are a second line, not a replacement: they
/// race with the container.
public enum BindRootMountRequirement {
    /// What the host says about the mount under one bind root.
    public enum MountState: Sendable, Equatable {
        case mounted(noSymlinkFollowing: Bool)
        /// statvfs failed: the folder is missing or dockgate cannot reach it.
        case unavailable(String)
    }

    /// The bind roots of every restricted policy, each with the policies that use it. Privileged
    /// policies are left out: the bind rules are not applied to them at all.
    public static func roots(of policies: [String: Policy]) -> [(root: String, policies: [String])] {
        var byRoot: [String: [String]] = [:]
        var order: [String] = []
        for (name, policy) in policies.sorted(by: { $0.key < $1.key }) where !policy.isPrivileged {
            for root in policy.bindMountRoots {
                if byRoot[root] == nil { order.append(root) }
                byRoot[root, default: []].append(name)
            }
        }
        return order.map { ($0, byRoot[$0] ?? []) }
    }

    /// One sentence per bind root that does not meet the requirement; empty when all do.
    public static func problems(policies: [String: Policy], state: (String) -> MountState) -> [String] {
        roots(of: policies).compactMap { root, users in
            let who = "bind_mounts folder \(root) (policy \(users.joined(separator: ", ")))"
            switch state(root) {
            case .mounted(noSymlinkFollowing: true):
                return nil
            case .mounted(noSymlinkFollowing: false):
                return "\(who) is not on a nosymfollow mount: a container could plant a symlink there that the "
                    + "daemon follows when it mounts a bind (mount it with Options=bind,nosymfollow, see "
                    + "deploy/srv-dockgate-binds.mount, or set bind_mounts.require_nosymfollow: false to accept the risk)"
            case .unavailable(let why):
                return "\(who) cannot be checked for nosymfollow (\(why))"
            }
        }
    }
}
