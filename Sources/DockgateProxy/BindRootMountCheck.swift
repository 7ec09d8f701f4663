import DockgateConfig
import DockgateIO
import DockgatePolicy

/// Asks the host whether every bind folder is on a `nosymfollow` mount, at start, on reload and
/// in `check-config` (the rule and its reason: `BindRootMountRequirement`).
public enum BindRootMountCheck {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let problems: [String]
        public var description: String { problems.joined(separator: "; ") }
    }

    /// Throws when a bind folder is not on a nosymfollow mount (or cannot be checked), unless the
    /// configuration opts out with `bind_mounts.require_nosymfollow: false`.
    public static func verify(_ configuration: Configuration) throws(Failure) {
        guard configuration.requiresNoSymlinkFollowingBindRoots else { return }
        let problems = BindRootMountRequirement.problems(policies: configuration.policies, state: state(of:))
        if !problems.isEmpty { throw Failure(problems: problems) }
    }

    /// The bind folders the opt-out leaves unprotected (for a warning at start).
    public static func unprotectedRoots(_ configuration: Configuration) -> [String] {
        guard !configuration.requiresNoSymlinkFollowingBindRoots else { return [] }
        return BindRootMountRequirement.roots(of: configuration.policies).map(\.root)
            .filter { state(of: $0) != .mounted(noSymlinkFollowing: true) }
    }

    static func state(of root: String) -> BindRootMountRequirement.MountState {
        do {
            let flags = try HostFileSystem.mountFlags(root)
            return .mounted(noSymlinkFollowing: flags & HostFileSystem.noSymlinkFollowFlag != 0)
        } catch {
            return .unavailable("\(error)")
        }
    }
}
