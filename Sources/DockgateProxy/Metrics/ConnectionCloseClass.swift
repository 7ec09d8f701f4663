/// Why a client connection ended, in a handful of classes (the free-text reason goes to the log).
enum ConnectionCloseClass: String, CaseIterable, Sendable {
    /// The client or both sides finished: the normal end.
    case closed
    /// Closed before the handshake produced a verified user (refused, abandoned or timed out).
    case unauthenticated
    case timeout
    /// A read or write failed, or a peer broke the protocol.
    case error
    case shutdown
    /// A reload revoked or removed the connection's identity.
    case revoked

    /// `reason` is the text `ClientConnection.closeNow(reason:)` was given.
    init(reason: String, authenticated: Bool) {
        if !authenticated {
            self = .unauthenticated
        } else if reason.hasPrefix("server shutting down") {
            self = .shutdown
        } else if reason.hasPrefix("identity revoked") {
            self = .revoked
        } else if reason.contains("timeout") || reason.contains("timed out") {
            self = .timeout
        } else if reason == "closed" || reason == "closed by both sides" || reason.hasPrefix("client closed")
            || reason == "client reset while lingering"
        {
            self = .closed
        } else {
            self = .error
        }
    }
}
