import DockgatePolicy
import Foundation

/// Resolves bind sources on this host as dockerd will when it mounts them: the deepest existing
/// ancestor through realpath(3), the missing rest appended (dockerd creates it, THREATS M-03).
///
/// dockgate must run on the Docker host for this to see the daemon's file system, which is how it
/// is deployed (it talks to the daemon's unix socket).
public struct SymlinkResolvingPathResolver: HostPathResolver {
    public init() {}

    public func resolve(_ cleanedAbsolutePath: String) -> String {
        var existing = cleanedAbsolutePath
        var missing: [String] = []
        while existing != "/" {
            if let resolved = Self.realpath(existing) {
                return ([resolved == "/" ? "" : resolved] + missing.reversed()).joined(separator: "/")
            }
            let url = URL(fileURLWithPath: existing)
            missing.append(url.lastPathComponent)
            existing = url.deletingLastPathComponent().path
            if existing.isEmpty { existing = "/" }
        }
        return "/" + missing.reversed().joined(separator: "/")
    }

    private static func realpath(_ path: String) -> String? {
        guard let resolved = Foundation.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
