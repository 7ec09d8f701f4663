import DockgateDocker
import DockgatePolicy

/// The example policies of config/dockgate.yaml, as values.
enum Policies {
    static let developer = Policy(
        name: "developer",
        endpoints: [
            .containers: .write, .exec: .write, .images: .write, .volumes: .write, .networks: .read, .system: .read,
            .events: .read,
        ],
        images: [try! ImagePattern("busybox*")],
        bindMountRoots: ["/srv/dev"])

    static let viewer = Policy(
        name: "viewer", endpoints: [.containers: .read, .images: .read, .system: .read, .events: .read], isReadOnly: true)

    static let admin = Policy(
        name: "admin", endpoints: Dictionary(uniqueKeysWithValues: EndpointGroup.allCases.map { ($0, .write) }),
        allowsUnknownEndpoints: true, isPrivileged: true)
}

/// Runs a request through the engine the way the proxy does: head first, then the body if asked.
func decide(
    _ policy: Policy, _ method: String, _ target: String, body: String? = nil, chunked: Bool = false,
    contentType: String? = "application/json", resolver: any HostPathResolver = LexicalPathResolver()
) -> PolicyDecision {
    let request: CanonicalRequest
    do {
        request = try RequestCanonicalizer.canonicalize(method: method, target: target)
    } catch {
        return .malformed(error.message)
    }
    let bytes = body.map { Array($0.utf8) }
    let facts = RequestFacts(
        request: request, contentLength: chunked ? nil : bytes.map { UInt64($0.count) }, isChunked: chunked,
        contentType: contentType)
    return PolicyEngine(policy: policy, resolver: resolver).decide(facts, wholeBody: bytes)
}

extension PolicyDecision {
    var reason: String {
        if case .deny(_, let reason, _) = self { return reason }
        return ""
    }

    var status: Int? {
        if case .deny(_, _, let status) = self { return status }
        return nil
    }
}

/// A container create body with `hostConfig` as its HostConfig.
func createBody(image: String = "busybox", hostConfig: String = "{}", extra: String = "") -> String {
    "{\"Image\":\"\(image)\",\"Cmd\":[\"sh\"]\(extra.isEmpty ? "" : "," + extra),\"HostConfig\":\(hostConfig)}"
}
