import DockgateCore
import DockgateDocker

/// Paths inside the container that reach the host through the kernel's own files, judged after
/// Go's `path.Clean` as dockerd stores them (`//proc/x`, `/tmp/../proc/x` are `/proc/x`).
///
/// - A working directory under `/proc` (or `/dev/fd`, `/dev/std*`, links to `/proc/self/fd` in
///   every container) let runc ≤ 1.1.11 start a process with a cwd in the host's mount namespace
///   (CVE-2024-21626, THREATS C-11).
/// - A mount placed over `/proc`, `/sys` or `/dev` hides or redirects the masks and read-only
///   remounts runc relies on (CVE-2019-16884, CVE-2025-52881); only `/dev/shm` is a plain tmpfs spot.
enum ContainerPathRules {
    /// Links to `/proc/self/fd` or below in every container's `/dev`.
    static let procLinks = ["/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr"]
    static let systemRoots = ["/proc", "/sys", "/dev"]
    static let allowedUnderSystemRoots = ["/dev/shm"]

    /// `WorkingDir` of a create or an exec. Relative ones are refused: an exec's is resolved against
    /// the container's own working directory, which the request does not show.
    static func checkWorkingDirectory(_ directory: String?, field: String) -> PolicyDecision? {
        guard let directory, !directory.isEmpty else { return nil }
        guard directory.startsWithBytes(of: "/") else {
            return .deny("host-escape/working-dir", "\(field) \"\(directory)\" is not an absolute path")
        }
        // Every prefix, not just the cleaned whole: an exec's path may reach runc uncleaned, and the
        // kernel follows `/dev/stdout` to `/proc/self/fd/1` before it applies a later `..`.
        var prefix = ""
        for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
            prefix = GoPath.clean(prefix + "/" + component)
            if reachesProc(prefix) {
                return .deny("host-escape/working-dir", "\(field) \"\(directory)\" passes through \(prefix), which is /proc; not allowed")
            }
        }
        return nil
    }

    private static func reachesProc(_ cleaned: String) -> Bool {
        GoPath.isWithin(cleaned, root: "/proc") || procLinks.contains(where: { GoPath.isWithin(cleaned, root: $0) })
    }

    /// A mount destination inside the container (`Binds`, `Mounts[].Target`, `Tmpfs` and `Volumes` keys).
    static func checkMountTarget(_ target: String, field: String) -> PolicyDecision? {
        guard target.startsWithBytes(of: "/") else {
            return .deny("host-escape/mount-target", "\(field): mount target \"\(target)\" is not an absolute path")
        }
        let cleaned = GoPath.clean(target)
        if allowedUnderSystemRoots.contains(where: { GoPath.isWithin(cleaned, root: $0) }) { return nil }
        if cleaned.hasSameBytes(as: "/") {
            return .deny("host-escape/mount-target", "\(field): a mount over the container's / is not allowed")
        }
        if let root = systemRoots.first(where: { GoPath.isWithin(cleaned, root: $0) }) {
            return .deny(
                "host-escape/mount-target",
                "\(field): a mount at \(cleaned) would cover the container's \(root), which confines it")
        }
        return nil
    }
}
