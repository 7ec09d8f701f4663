import DockgateCore
import DockgateDocker
import DockgateIO
import DockgateTLS
import Logging

extension ClientConnection {
    /// dockerd's answer to plaintext HTTP on its TLS port (Go net/http), which the docker CLI
    /// prints as "Client sent an HTTP request to an HTTPS server."
    static let plaintextHTTPResponse = Array(
        "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n".utf8)

    /// Peeks at the first bytes: a TLS handshake record starts with 0x16, an HTTP request with an
    /// upper-case method name.
    func detectPlaintext() {
        let peeked: Int
        do {
            guard case .processed(let count) = try Syscall.peek(client.fd, into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<5])) else {
                return
            }
            peeked = count
        } catch {
            closeNow(reason: "\(error)")
            return
        }
        guard peeked > 0 else {
            closeNow(reason: "client closed before the handshake")
            return
        }
        let first = scratch[0]
        if first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") {
            logger.info("plaintext HTTP on the TLS port refused")
            auditHandshakeFailure(reason: "plaintext HTTP on the TLS port", subject: nil)
            Self.plaintextHTTPResponse.withUnsafeBytes { _ = try? Syscall.send(client.fd, $0) }
            startLingering(sendCloseNotify: false)
            return
        }
        do {
            tls = try environment.tlsContext.makeSession(fd: client.fd)
        } catch {
            logger.error("cannot start TLS: \(error)")
            closeNow(reason: "TLS setup failed")
            return
        }
        phase = .handshaking
        continueHandshake()
    }

    func continueHandshake() {
        guard let tls else { return }
        switch tls.handshake() {
        case .complete:
            guard let identity = tls.peerIdentity() else {
                logger.notice("handshake completed without a verified client certificate")
                auditHandshakeFailure(reason: "no verified client certificate", subject: tls.presentedSubject)
                closeNow(reason: "no verified client certificate")
                return
            }
            // Users are named by printable ASCII CNs; anything else could only alias one of them
            // (a canonically equivalent or look-alike spelling), so it is refused outright.
            guard identity.commonName.isPrintableASCII else {
                logger.notice("client certificate CN is not printable ASCII", metadata: ["subject": "\(identity.subject)"])
                auditHandshakeFailure(
                    reason: "client certificate CN is not printable ASCII (or is missing)", subject: identity.subject)
                closeNow(reason: "client certificate CN is not printable ASCII")
                return
            }
            self.identity = identity
            logger[metadataKey: "cn"] = "\(identity.commonName)"
            logger.debug("handshake complete", metadata: ["tls": "\(tls.protocolVersion)", "serial": "\(identity.serialHex)"])
            phase = .http
            armIdleTimer()
            pump()
        case .wantsRead:
            handshakeWants = .read
        case .wantsWrite:
            handshakeWants = .write
        case .closedByPeer:
            logger.info("TLS handshake failed", metadata: ["reason": "client closed the connection during the handshake"])
            auditHandshakeFailure(reason: "client closed the connection during the handshake", subject: tls.presentedSubject)
            closeNow(reason: "client closed during handshake")
        case .failed(let error):
            var metadata: Logger.Metadata = ["reason": "\(error)"]
            if let subject = tls.presentedSubject { metadata["subject"] = "\(subject)" }
            logger.info("TLS handshake failed", metadata: metadata)
            auditHandshakeFailure(reason: tls.verifyFailureReason ?? "\(error)", subject: tls.presentedSubject)
            // The alert is in the socket; closing with the client's last flight unread would send
            // a RST that can destroy it before the client reads it.
            startLingering(sendCloseNotify: false)
        }
    }

    func handshakeTimedOut() {
        guard phase == .handshaking || phase == .detectingPlaintext else { return }
        logger.info("TLS handshake failed", metadata: ["reason": "handshake timed out after \(limits.handshakeTimeout) s"])
        auditHandshakeFailure(reason: "handshake timed out after \(limits.handshakeTimeout) s", subject: nil)
        closeNow(reason: "handshake timeout")
    }
}
