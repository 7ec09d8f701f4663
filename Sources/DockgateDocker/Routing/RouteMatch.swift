/// A successful match of a route pattern against path segments.
struct RouteMatch: Sendable {
    /// The decoded object name: one segment, or the greedy segments joined with "/".
    let objectName: String?
    /// Indices of the segments that matched fixed literals (checked for percent-encoding, H-18).
    let literalIndices: [Int]
}
