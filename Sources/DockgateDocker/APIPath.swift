/// A request target split the way dockerd routes it: an optional `/vX.Y` API-version prefix,
/// the route path, and the raw query.
///
/// dockerd registers every route both with and without `/v{version:[0-9.]+}`
/// (daemon/server/server.go), so `/v1.41/containers/json` and `/containers/json` are one route.
public struct APIPath: Sendable, Equatable {
    /// The version from the prefix ("1.41"), or nil for an unversioned path.
    public var apiVersion: String?
    /// The path without the version prefix, still percent-encoded; always starts with "/".
    public var routePath: String
    /// The raw query after "?", if any.
    public var query: String?

    public init(target: String) {
        let (path, query) = Self.splitQuery(target)
        self.query = query
        let components = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        // components[0] is "" (the path starts with "/"); components[1] may hold "v1.41/…".
        if components.count == 2, let versioned = Self.versionPrefix(components[1]) {
            apiVersion = String(versioned.version)
            routePath = "/" + versioned.rest
        } else {
            apiVersion = nil
            routePath = path
        }
    }

    private static func splitQuery(_ target: String) -> (String, String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// "v1.41/containers/json" → ("1.41", "containers/json"); gorilla/mux's `[0-9.]+` pattern.
    private static func versionPrefix(_ text: Substring) -> (version: Substring, rest: Substring)? {
        guard text.first == "v" else { return nil }
        let afterV = text.dropFirst()
        let version = afterV.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !version.isEmpty else { return nil }
        let rest = afterV.dropFirst(version.count)
        if rest.isEmpty { return (version, "") }
        guard rest.first == "/" else { return nil }
        return (version, rest.dropFirst())
    }
}
