import DockgateDocker

/// Canonicalizes and returns the route, for table-driven route tests.
func routeOf(_ method: String, _ target: String) throws -> DockerRoute? {
    try RequestCanonicalizer.canonicalize(method: method, target: target).route
}

/// The error `canonicalize` throws for a request line, or nil when it is accepted.
func rejection(_ method: String, _ target: String) -> RequestTargetError? {
    do {
        _ = try RequestCanonicalizer.canonicalize(method: method, target: target)
        return nil
    } catch {
        return error
    }
}

/// A compact expected route: group, action, write flag and object name.
struct ExpectedRoute: Sendable, CustomStringConvertible {
    let method: String
    let target: String
    let group: EndpointGroup
    let action: String
    let isWrite: Bool
    let objectName: String?

    init(_ method: String, _ target: String, _ group: EndpointGroup, _ action: String, write: Bool, object: String? = nil) {
        self.method = method
        self.target = target
        self.group = group
        self.action = action
        self.isWrite = write
        self.objectName = object
    }

    var route: DockerRoute { DockerRoute(group: group, action: action, isWrite: isWrite, objectName: objectName) }
    var description: String { "\(method) \(target)" }
}
