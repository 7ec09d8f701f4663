import DockgateDocker

/// Helpers shared by the routing tests, namespaced so they cannot clash with other suites' helpers.
enum RoutingTest {
    /// Canonicalizes and returns the route, for table-driven route tests.
    static func route(_ method: String, _ target: String) throws -> DockerRoute? {
        try RequestCanonicalizer.canonicalize(method: method, target: target).route
    }

    /// The error `canonicalize` throws for a request line, or nil when it is accepted.
    static func rejection(_ method: String, _ target: String) -> RequestTargetError? {
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

        /// Nil when `action` is no name `DockerAction` knows (the expectation then fails).
        var route: DockerRoute? {
            DockerAction(name: action).map { DockerRoute(group: group, action: $0, isWrite: isWrite, objectName: objectName) }
        }
        var description: String { "\(method) \(target)" }
    }

    /// A small deterministic generator (SplitMix64) for reproducible random inputs.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
