/// Resolves a host path the way dockerd will when it mounts it: following symlinks.
///
/// A container that can write inside an allowed folder can plant `root -> /` there; the next
/// bind of `<allowed>/root` is then `/` (THREATS M-02). The proxy injects a resolver that asks the
/// host; the pure engine and its tests use the lexical one.
public protocol HostPathResolver: Sendable {
    /// The path with every existing component's symlinks resolved; missing tail components
    /// (dockerd creates them, M-03) are appended unchanged.
    func resolve(_ cleanedAbsolutePath: String) -> String
}

/// No file system access: the path as written.
public struct LexicalPathResolver: HostPathResolver {
    public init() {}
    public func resolve(_ cleanedAbsolutePath: String) -> String { cleanedAbsolutePath }
}
