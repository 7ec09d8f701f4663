import DockgateCore
import Logging

/// The ends of a connection: the handshake, the graceful close and its linger, the hard close.
extension ConnectionMachine {
    /// dockerd's answer to plaintext HTTP on its TLS port (Go net/http), which the docker CLI
    /// prints as "Client sent an HTTP request to an HTTPS server."
    static let plaintextHTTPResponse = Array(
        "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n".utf8)

    mutating func handshakeEvent(_ event: ConnectionEvent, _ actions: inout [ConnectionAction]) {
        switch event {
        case .plaintextRefused:
            logger.info("plaintext HTTP on the TLS port refused")
            audit.handshakeFailure(reason: "plaintext HTTP on the TLS port", subject: nil, &actions)
            actions.append(.sendPlaintextToClient(Self.plaintextHTTPResponse))
            startLingering(closeNotify: false, clientEnded: false, &actions)
        case .handshakeCompleted(let identity):
            // Users are named by printable ASCII CNs; anything else could only alias one of them
            // (a canonically equivalent or look-alike spelling), so it is refused outright.
            guard identity.commonName.isPrintableASCII else {
                logger.notice("client certificate CN is not printable ASCII", metadata: ["subject": "\(identity.subject)"])
                audit.handshakeFailure(
                    reason: "client certificate CN is not printable ASCII (or is missing)", subject: identity.subject, &actions)
                close(reason: "client certificate CN is not printable ASCII", &actions)
                return
            }
            self.identity = identity
            audit.identity = identity
            logger[metadataKey: "cn"] = "\(identity.commonName)"
            state = .http(HTTPState())
            armIdleTimer(&actions)
        case .handshakeFailed(let reason, let subject, let alertSent):
            audit.handshakeFailure(reason: reason, subject: subject, &actions)
            if alertSent {
                // The alert is in the socket; closing with the client's last flight unread would
                // send a RST that can destroy it before the client reads it.
                startLingering(closeNotify: false, clientEnded: false, &actions)
            } else {
                close(reason: reason, &actions)
            }
        case .timerFired(.handshake) where armedTimer == .handshake:
            armedTimer = nil
            let reason = "handshake timed out after \(limits.handshakeTimeout) s"
            logger.info("TLS handshake failed", metadata: ["reason": "\(reason)"])
            audit.handshakeFailure(reason: reason, subject: nil, &actions)
            close(reason: "handshake timeout", &actions)
        case .clientFailed(let reason), .closeRequested(let reason):
            close(reason: reason, &actions)
        case .drainRequested:
            isDraining = true
            close(reason: "server shutting down", &actions)
        default:
            break
        }
    }

    mutating func lingeringEvent(_ event: ConnectionEvent, _ actions: inout [ConnectionAction]) {
        switch event {
        case .clientEnded: close(reason: "closed", &actions)
        case .clientFailed: close(reason: "client reset while lingering", &actions)
        case .timerFired(.linger) where armedTimer == .linger: close(reason: "linger timeout", &actions)
        case .closeRequested(let reason): close(reason: reason, &actions)
        case .wroteToClient(let count): pendingToClient -= count
        default: break  // discarded input, late answers
        }
    }

    /// Our side is done: close the daemon side, send close_notify, half-close, then linger.
    mutating func beginGracefulClose(_ actions: inout [ConnectionAction]) {
        let clientEnded: Bool
        switch state {
        case .http(let http): clientEnded = http.clientEnded
        case .tunnel(let tunnel): clientEnded = tunnel.clientEnded
        default: return
        }
        closeUpstream(&actions)
        startLingering(closeNotify: true, clientEnded: clientEnded, &actions)
    }

    /// Closing a socket with unread input sends RST, which can destroy the last bytes still in
    /// flight; so keep reading and discarding until the client's EOF or a short deadline.
    mutating func startLingering(closeNotify: Bool, clientEnded: Bool, _ actions: inout [ConnectionAction]) {
        cancelTimer(&actions)
        actions.append(.finishClient(closeNotify: closeNotify))
        state = .lingering
        if clientEnded {
            close(reason: "closed by both sides", &actions)
            return
        }
        // While the server drains, idle clients that never read (docker-py's pool) must not hold up exit.
        arm(.linger, after: isDraining ? min(1, limits.lingerTimeout) : limits.lingerTimeout, &actions)
    }

    mutating func closeUpstream(_ actions: inout [ConnectionAction]) {
        guard hasUpstream else { return }
        hasUpstream = false
        pendingToUpstream = 0
        upstreamInbound.removeAll()
        actions.append(.closeUpstream)
    }

    /// Full, immediate close of both sockets (after an error, or once lingering is over).
    mutating func close(reason: String, _ actions: inout [ConnectionAction]) {
        let wasServing: Bool
        switch state {
        case .closed: return
        case .handshaking: wasServing = false
        default: wasServing = true
        }
        state = .closed
        logger.debug("connection closed", metadata: ["reason": "\(reason)"])
        if wasServing { audit.connectionClosed(reason: reason, &actions) }
        armedTimer = nil
        hasUpstream = false
        pendingToClient = 0
        pendingToUpstream = 0
        clientInbound.removeAll()
        upstreamInbound.removeAll()
        actions.append(.close(reason: reason))
    }
}
