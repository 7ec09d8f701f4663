/// One dockerd route registration: method, path pattern and the route it yields (THREATS H-22).
struct RouteSpec: Sendable {
    let method: String
    let tokens: [RouteToken]
    let group: EndpointGroup
    let action: DockerAction
    let isWrite: Bool

    /// `path` is the pattern after the version prefix, e.g. `"/containers/{id}/start"`,
    /// `"/images/{name}/tag"` (`{name}` is greedy).
    init(_ method: String, _ path: String, _ group: EndpointGroup, _ action: DockerAction, write: Bool) {
        self.method = method
        self.tokens = path.split(separator: "/").map { segment in
            switch segment {
            case "{id}": .object
            case "{name}": .greedyName
            default: .literal(String(segment))
            }
        }
        self.group = group
        self.action = action
        self.isWrite = write
    }

    /// Matches `segments` the way gorilla's anchored regexp would: literals before the greedy
    /// name from the front, literals after it from the back, the name takes the ≥ 1 in between.
    func match(_ segments: [TargetPathSegment]) -> RouteMatch? {
        guard let greedy = tokens.firstIndex(where: { if case .greedyName = $0 { true } else { false } }) else {
            guard segments.count == tokens.count else { return nil }
            return matchFixed(tokens.indices, segments: segments, offset: 0)
        }
        let suffixCount = tokens.count - greedy - 1
        guard segments.count >= tokens.count else { return nil }
        guard let head = matchFixed(0..<greedy, segments: segments, offset: 0),
              let tail = matchFixed((greedy + 1)..<tokens.count, segments: segments,
                                    offset: segments.count - suffixCount - (greedy + 1))
        else { return nil }
        let name = segments[greedy..<(segments.count - suffixCount)].map(\.decoded).joined(separator: "/")
        return RouteMatch(objectName: name, literalIndices: head.literalIndices + tail.literalIndices)
    }

    /// Matches tokens `range` (no greedy among them) against `segments[token + offset]`.
    private func matchFixed(_ range: Range<Int>, segments: [TargetPathSegment], offset: Int) -> RouteMatch? {
        var objectName: String?
        var literals: [Int] = []
        for token in range {
            let index = token + offset
            switch tokens[token] {
            case .literal(let literal):
                guard segments[index].isExactly(literal) else { return nil }
                literals.append(index)
            case .object:
                objectName = segments[index].decoded
            case .greedyName:
                return nil
            }
        }
        return RouteMatch(objectName: objectName, literalIndices: literals)
    }

    func route(objectName: String?) -> DockerRoute {
        DockerRoute(group: group, action: action, isWrite: isWrite, objectName: objectName)
    }
}
