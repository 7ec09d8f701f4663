import DockgateCore
import DockgateDocker
import DockgateHTTP

/// What the proxy does with one request.
public enum AuthorizationDecision: Sendable, Equatable {
    case allow
    /// Answered by dockgate itself with a Docker-style JSON error; never forwarded.
    case deny(status: Int, message: String)
}

/// Decides, request by request, whether an identified client may send this request to the daemon.
public protocol RequestAuthorizer: Sendable {
    func authorize(identity: ClientIdentity, head: RequestHead, path: APIPath) -> AuthorizationDecision
}

/// The identity gate: only certificates whose CN is listed are served; anyone else gets 403 on
/// every request (the TLS handshake alone proves only that the CA signed the certificate).
public struct UserListAuthorizer: RequestAuthorizer {
    public let allowedCommonNames: Set<String>

    public init(allowedCommonNames: Set<String>) { self.allowedCommonNames = allowedCommonNames }

    public func authorize(identity: ClientIdentity, head: RequestHead, path: APIPath) -> AuthorizationDecision {
        if allowedCommonNames.contains(identity.commonName) { return .allow }
        return .deny(
            status: 403,
            message: "dockgate: certificate CN \"\(identity.commonName)\" is not a configured user of this Docker endpoint")
    }
}
