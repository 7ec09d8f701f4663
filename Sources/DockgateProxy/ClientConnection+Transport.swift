import DockgateCore
import DockgateIO
import DockgateTLS

extension ClientConnection {
    /// Read the client while there is room for what it sends: bounded buffers are the backpressure.
    var canReadClient: Bool {
        guard tls != nil, !isClientReadClosed, !closesAfterFlush else { return false }
        switch phase {
        case .tunnel:
            return toUpstream.byteCount + clientInbound.count < limits.relayBufferBytes
        case .http:
            if case .rejected = requestState { return false }
            // An incomplete head may grow up to the head limit, so the parser can refuse it.
            let limit: Int
            if case .awaitingHead = requestState {
                limit = max(limits.clientBufferBytes, limits.maxRequestHeadBytes + 1)
            } else {
                limit = limits.clientBufferBytes
            }
            return clientInbound.count < limit && toUpstream.byteCount < limits.relayBufferBytes
        default:
            return false
        }
    }

    var canReadUpstream: Bool {
        guard upstream != nil, !isUpstreamReadClosed else { return false }
        switch phase {
        case .tunnel: return toClient.byteCount < limits.relayBufferBytes
        case .http: return !closesAfterFlush && toClient.byteCount < limits.relayBufferBytes
        default: return false
        }
    }

    /// Decrypts what the client sent, until OpenSSL wants the socket or the buffer is full.
    /// Plaintext can hide inside OpenSSL with no readiness event, so this runs whenever there is
    /// room, not only when the read source fires.
    func readClient() -> Bool {
        guard let tls else { return false }
        tlsReadWants = nil
        var moved = false
        for _ in 0..<16 {
            guard canReadClient else { break }
            let space = min(scratch.count, limits.readChunkBytes)
            switch tls.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<space])) {
            case .complete(let count):
                clientInbound.append(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
                moved = true
            case .wantsRead:
                return moved
            case .wantsWrite:
                tlsReadWants = .write
                return moved
            case .closedByPeer:
                isClientReadClosed = true
                return true
            case .failed(let error):
                logger.debug("client connection failed", metadata: ["error": "\(error)"])
                closeNow(reason: "client read failed")
                return true
            }
        }
        return moved
    }

    /// Encrypts queued output, one chunk per TLS write.
    func flushToClient() -> Bool {
        guard let tls, !toClient.isEmpty, phase == .http || phase == .tunnel else { return false }
        tlsWriteWants = nil
        var moved = false
        while !toClient.isEmpty {
            var step = TLSStep<Int>.wantsWrite
            _ = toClient.writeFirst { bytes in
                step = tls.write(bytes)
                if case .complete(let count) = step { return count }
                return 0
            }
            switch step {
            case .complete:
                moved = true
            case .wantsWrite:
                tlsWriteWants = .write
                return moved
            case .wantsRead:
                tlsWriteWants = .read
                return moved
            case .closedByPeer, .failed:
                // The client is gone: release the daemon side at once (PROTOCOL.md §2.4.4).
                closeNow(reason: "client write failed")
                return true
            }
        }
        return moved
    }

    func flushToUpstream() -> Bool {
        guard let upstream, !toUpstream.isEmpty, !isUpstreamWriteShut else { return false }
        isUpstreamWriteBlocked = false
        var moved = false
        while !toUpstream.isEmpty {
            var outcome: IOResult<Int> = .wouldBlock
            var failure: SystemError?
            _ = toUpstream.writeFirst { bytes in
                do throws(SystemError) {
                    outcome = try Syscall.send(upstream.fd, bytes)
                } catch {
                    failure = error
                    return 0
                }
                if case .processed(let count) = outcome { return count }
                return 0
            }
            if let failure {
                logger.notice("writing to the Docker daemon failed", metadata: ["error": "\(failure)"])
                closeNow(reason: "upstream write failed")
                return true
            }
            guard case .processed = outcome else {
                isUpstreamWriteBlocked = true
                return moved
            }
            moved = true
        }
        return moved
    }

    /// Reads the daemon; each read becomes one chunk for the client (no coalescing: the daemon
    /// flushes every write and clients render progress as it comes).
    func readUpstream() -> Bool {
        var moved = false
        for _ in 0..<16 {
            guard canReadUpstream, let upstream else { break }
            let space = min(scratch.count, limits.readChunkBytes)
            let result: IOResult<Int>
            do {
                result = try Syscall.read(upstream.fd, into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<space]))
            } catch {
                logger.notice("reading from the Docker daemon failed", metadata: ["error": "\(error)"])
                upstreamReachedEOF()
                return true
            }
            switch result {
            case .wouldBlock:
                return moved
            case .processed(0):
                upstreamReachedEOF()
                return true
            case .processed(let count):
                moved = true
                let bytes = UnsafeRawBufferPointer(rebasing: scratch[0..<count])
                if phase == .tunnel {
                    auditTunnelBytes(toClient: count)
                    toClient.append(Array(bytes))
                } else {
                    upstreamInbound.append(bytes)
                    processUpstreamInbound()
                }
            }
        }
        return moved
    }

    /// Carries each side's end of stream to the other, as PROTOCOL.md §2.4 prescribes.
    func advanceHalfClose() -> Bool {
        switch phase {
        case .tunnel:
            var moved = false
            // Client close_notify or clean EOF: flush, then SHUT_WR upstream and keep relaying
            // output. Never close(): the daemon's EPOLLHUP watcher would cancel the attach.
            if isClientReadClosed, toUpstream.isEmpty, !isUpstreamWriteShut, let upstream {
                Syscall.shutdownWrite(upstream.fd)
                isUpstreamWriteShut = true
                moved = true
            }
            // Daemon EOF: flush, close_notify, lingering close.
            if isUpstreamReadClosed && toClient.isEmpty {
                beginGracefulClose()
                return true
            }
            return moved
        case .http:
            if closesAfterFlush && toClient.isEmpty {
                beginGracefulClose()
                return true
            }
            guard isClientReadClosed else { return false }
            switch (requestState, responseState) {
            case (.awaitingHead, .idle):
                beginGracefulClose()
            case (_, .awaitingHead(let exchange)) where exchange.isUpgradeRequest:
                // An attach whose client already finished sending: the tunnel starts half-closed.
                return false
            case (.rejected, _):
                return false
            default:
                // Like dockerd: a client gone mid-request cancels it, which frees `/events`
                // subscriptions and `logs -f` followers on the daemon.
                closeNow(reason: "client closed while a request was in flight")
            }
            return true
        default:
            return false
        }
    }

    /// Our side is done: close the daemon side, send close_notify, half-close TCP, then drain.
    func beginGracefulClose() {
        guard phase == .http || phase == .tunnel else { return }
        upstream?.close()
        upstream = nil
        startLingering(sendCloseNotify: true)
    }

    /// Closing a socket with unread input sends RST, which can destroy the last bytes still in
    /// flight; so keep reading and discarding until the client's EOF or a short deadline.
    func startLingering(sendCloseNotify: Bool) {
        timer.cancel()
        if sendCloseNotify, let tls, !tls.hasFailed { _ = tls.sendCloseNotify() }
        Syscall.shutdownWrite(client.fd)
        phase = .lingering
        if isClientReadClosed {
            closeNow(reason: "closed by both sides")
            return
        }
        // While the server drains, idle clients that never read (docker-py's pool) must not hold up exit.
        timer.arm(after: isDraining ? min(1, limits.lingerTimeout) : limits.lingerTimeout, purpose: "linger") { [unowned self] in
            self.closeNow(reason: "linger timeout")
        }
        drainLinger()
    }

    func drainLinger() {
        for _ in 0..<16 {
            let result: IOResult<Int>
            do {
                result = try Syscall.read(client.fd, into: scratch)
            } catch {
                closeNow(reason: "client reset while lingering")
                return
            }
            switch result {
            case .wouldBlock: return
            case .processed(0):
                closeNow(reason: "closed")
                return
            case .processed: continue
            }
        }
    }
}
