/// A request line read exactly as dockerd reads it: the one interpretation the policy judges
/// (THREATS §0 rule 1, "judge what dockerd will execute").
///
/// Produced only by `RequestCanonicalizer.canonicalize(method:target:)`, which rejects every
/// target that Go's `net/http` plus gorilla/mux could read differently (H-18…H-26).
public struct CanonicalRequest: Sendable, Equatable {
    /// The request method, one of GET HEAD POST PUT DELETE OPTIONS PATCH (H-21).
    public let method: String
    /// The `/vX.Y` prefix, or nil for an unversioned path, which means the daemon's default
    /// (its maximum) version (H-20, PROTOCOL §7.2).
    public let apiVersion: APIVersion?
    /// The decoded path without the version prefix, e.g. `"/containers/abc/start"`; `"/"` for
    /// the root. Each segment was percent-decoded exactly once (H-18).
    public let path: String
    /// The decoded query, in order, read as Go's `url.ParseQuery` (H-23…H-25).
    public let query: QueryParameters
    /// The handler dockerd would run, or nil when dockerd has no such route (a 404 there; the
    /// policy decides how to treat an unknown endpoint).
    public let route: DockerRoute?

    public init(method: String, apiVersion: APIVersion?, path: String, query: QueryParameters, route: DockerRoute?) {
        self.method = method
        self.apiVersion = apiVersion
        self.path = path
        self.query = query
        self.route = route
    }
}
