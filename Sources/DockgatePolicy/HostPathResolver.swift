/// Resolves a host path the way dockerd will when it mounts it: following symlinks.
///
/// A container that can write inside an allowed folder can plant `root -> /` there; the next
/// bind of `<allowed>/root` is then `/` (THREATS M-02). The proxy injects a resolver that asks the
/// host; the pure engine and its tests use the lexical one.
public protocol HostPathResolver: Sendable {
    /// The path with every existing component's symlinks resolved; missing tail components
    /// (dockerd creates them, M-03) are appended unchanged. Anything else that stops the walk
    /// (a component that cannot be searched or read, a symlink loop, a file where a folder is
    /// needed) is `.unresolvable`: the caller refuses the bind rather than judge a guess.
    func resolve(_ cleanedAbsolutePath: String) -> HostPathResolution
}

/// What a host path turned out to be.
public enum HostPathResolution: Sendable, Equatable {
    case resolved(String)
    /// The walk stopped before the path was known; `reason` says where and why.
    case unresolvable(reason: String)
}

/// No file system access: the path as written.
public struct LexicalPathResolver: HostPathResolver {
    public init() {}
    public func resolve(_ cleanedAbsolutePath: String) -> HostPathResolution { .resolved(cleanedAbsolutePath) }
}
