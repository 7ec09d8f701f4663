/// One segment of a registered dockerd route path (THREATS H-22).
enum RouteToken: Sendable {
    /// A fixed segment such as `containers` or `json`; must appear unencoded.
    case literal(String)
    /// `{id}`: exactly one segment (containers, exec, volumes, networks, Swarm objects).
    case object
    /// `{name:.*}`: one or more segments (images, plugins, distribution); at most one per route,
    /// the segments after it are fixed, as gorilla's suffix-anchored regexp reads it.
    case greedyName
}
