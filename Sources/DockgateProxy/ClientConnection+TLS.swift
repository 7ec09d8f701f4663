import DockgateCore
import DockgateIO
import DockgateTLS
import Logging

/// The client side: plaintext detection, the handshake, TLS reads and writes, the linger.
extension ClientConnection {
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
            feed(.clientFailed("\(error)"))
            return
        }
        guard peeked > 0 else {
            feed(.clientFailed("client closed before the handshake"))
            return
        }
        isDetectingPlaintext = false
        let first = scratch[0]
        if first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") {
            feed(.plaintextRefused)
            return
        }
        do {
            tls = try environment.tlsContext.makeSession(fd: client.fd)
        } catch {
            logger.error("cannot start TLS: \(error)")
            feed(.clientFailed("TLS setup failed"))
            return
        }
        continueHandshake()
    }

    func continueHandshake() {
        guard let tls else { return }
        switch tls.handshake() {
        case .complete:
            guard let identity = tls.peerIdentity() else {
                logger.notice("handshake completed without a verified client certificate")
                feed(.handshakeFailed(reason: "no verified client certificate", subject: tls.presentedSubject, alertSent: false))
                return
            }
            feed(.handshakeCompleted(identity))
            logger.debug("handshake complete", metadata: ["tls": "\(tls.protocolVersion)", "serial": "\(identity.serialHex)"])
            pump()
        case .wantsRead:
            handshakeWants = .read
        case .wantsWrite:
            handshakeWants = .write
        case .closedByPeer:
            let reason = "client closed the connection during the handshake"
            logger.info("TLS handshake failed", metadata: ["reason": "\(reason)"])
            feed(.handshakeFailed(reason: reason, subject: tls.presentedSubject, alertSent: false))
        case .failed(let error):
            var metadata: Logger.Metadata = ["reason": "\(error)"]
            if let subject = tls.presentedSubject { metadata["subject"] = "\(subject)" }
            logger.info("TLS handshake failed", metadata: metadata)
            feed(.handshakeFailed(reason: tls.verifyFailureReason ?? "\(error)", subject: tls.presentedSubject, alertSent: true))
        }
    }

    /// Decrypts what the client sent while the machine has room for it, until OpenSSL wants the
    /// socket. Plaintext can hide inside OpenSSL with no readiness event, so this runs whenever
    /// there is room, not only when the read source fires.
    func readClient() -> Bool {
        guard let tls else { return false }
        tlsReadWants = nil
        var moved = false
        for _ in 0..<16 {
            guard machine.wantsClientBytes else { break }
            let space = min(scratch.count, limits.readChunkBytes)
            switch tls.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<space])) {
            case .complete(let count):
                feed(.clientBytes(Array(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))))
                moved = true
            case .wantsRead:
                return moved
            case .wantsWrite:
                tlsReadWants = .write
                return moved
            case .closedByPeer:
                feed(.clientEnded)
                return true
            case .failed(let error):
                logger.debug("client connection failed", metadata: ["error": "\(error)"])
                feed(.clientFailed("client read failed"))
                return true
            }
        }
        return moved
    }

    /// Encrypts queued output, one chunk per TLS write.
    func flushToClient() -> Bool {
        guard let tls, !toClient.isEmpty else { return false }
        tlsWriteWants = nil
        var moved = false
        while !toClient.isEmpty, !machine.isClosed {
            var step = TLSStep<Int>.wantsWrite
            let written = toClient.writeFirst { bytes in
                step = tls.write(bytes)
                if case .complete(let count) = step { return count }
                return 0
            }
            switch step {
            case .complete:
                moved = true
                feed(.wroteToClient(written))
            case .wantsWrite:
                tlsWriteWants = .write
                return moved
            case .wantsRead:
                tlsWriteWants = .read
                return moved
            case .closedByPeer, .failed:
                // The client is gone: release the daemon side at once (PROTOCOL.md §2.4.4).
                feed(.clientFailed("client write failed"))
                return true
            }
        }
        return moved
    }

    /// Reads and discards until the client's EOF (the machine closes then, or on its deadline).
    func drainLinger() {
        for _ in 0..<16 {
            let result: IOResult<Int>
            do {
                result = try Syscall.read(client.fd, into: scratch)
            } catch {
                feed(.clientFailed("client reset while lingering"))
                return
            }
            switch result {
            case .wouldBlock: return
            case .processed(0):
                feed(.clientEnded)
                return
            case .processed: continue
            }
        }
    }
}
