import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgateIO

extension ClientConnection {
    /// Client-side HTTP: parse the next head once the previous exchange is over, decide, and
    /// forward the head and its body bytes unchanged. Returns whether anything moved.
    func processClientInbound() -> Bool {
        if phase == .tunnel {
            guard !clientInbound.isEmpty else { return false }
            toUpstream.append(clientInbound.take(clientInbound.count))
            return true
        }
        switch requestState {
        case .awaitingHead:
            guard case .idle = responseState, !clientInbound.isEmpty, !closesAfterFlush else { return false }
            if timer.purpose == "idle" { armHeadTimer() }
            let head: RequestHead?
            do {
                head = try requestParser.parse(clientInbound.readable)
            } catch {
                reject(status: 400, message: "dockgate: malformed request: \(error.message)", method: nil)
                return true
            }
            guard let head else { return false }
            handle(head)
            return true
        case .forwardingBody(var scanner):
            guard !clientInbound.isEmpty else { return false }
            let bodyBytes: Int
            do {
                bodyBytes = try scanner.scan(clientInbound.readable)
            } catch {
                // The head is already with the daemon; a broken body cannot be answered cleanly.
                logger.info("malformed request body", metadata: ["error": "\(error.message)"])
                closeNow(reason: "malformed chunked request body")
                return true
            }
            if bodyBytes > 0 { toUpstream.append(clientInbound.take(bodyBytes)) }
            requestState = scanner.isComplete ? .awaitingResponse : .forwardingBody(scanner)
            return bodyBytes > 0 || scanner.isComplete
        case .awaitingResponse, .rejected:
            return false
        }
    }

    private func handle(_ head: RequestHead) {
        guard let identity else { return }
        timer.cancel()
        let path = APIPath(target: head.target)
        let hasBody = head.framing != .none
        switch environment.authorizer.authorize(identity: identity, head: head, path: path) {
        case .deny(let status, let message):
            logger.info("request denied", metadata: ["method": "\(head.method)", "path": "\(path.routePath)", "status": "\(status)"])
            clientInbound.consume(head.headLength)
            requestParser.reset()
            // A body we will not read cannot stay on a keep-alive connection.
            respondWithError(status: status, message: message, method: head.method, closeConnection: hasBody || !head.isKeepAlive)
            if !hasBody && head.isKeepAlive { armIdleTimer() }
            return
        case .allow:
            break
        }
        guard ensureUpstream() else {
            clientInbound.consume(head.headLength)
            requestParser.reset()
            respondWithError(
                status: 502, message: "dockgate: cannot reach the Docker daemon at \(environment.upstream.path)",
                method: head.method, closeConnection: hasBody || !head.isKeepAlive)
            if !hasBody && head.isKeepAlive { armIdleTimer() }
            return
        }
        logger.debug("request forwarded", metadata: ["method": "\(head.method)", "target": "\(head.target)"])
        toUpstream.append(clientInbound.take(head.headLength))
        requestParser.reset()
        responseParser.reset()
        responseState = .awaitingHead(
            Exchange(method: head.method, path: path, isUpgradeRequest: head.isUpgrade, requestKeepAlive: head.isKeepAlive))
        switch head.framing {
        case .none: requestState = .awaitingResponse
        case .contentLength(let length): requestState = .forwardingBody(BodyScanner(contentLength: length))
        case .chunked: requestState = .forwardingBody(.chunked())
        }
    }

    /// Answers a request that cannot be parsed and stops reading HTTP from this client.
    func reject(status: Int, message: String, method: String?) {
        logger.info("request rejected", metadata: ["status": "\(status)", "reason": "\(message)"])
        requestState = .rejected
        clientInbound.removeAll()
        respondWithError(status: status, message: message, method: method, closeConnection: true)
    }

    func respondWithError(status: Int, message: String, method: String?, closeConnection: Bool) {
        toClient.append(
            DockerErrorBody.response(status: status, message: message, closeConnection: closeConnection, omitBody: method == "HEAD"))
        if closeConnection {
            requestState = .rejected
            closesAfterFlush = true
        }
    }

    /// Connects to the daemon the first time a request is allowed (and again if the daemon closed
    /// an idle connection). One upstream connection per client connection, as PROTOCOL.md §2.4 asks.
    private func ensureUpstream() -> Bool {
        if upstream != nil { return true }
        do {
            let fd = try environment.upstream.connect()
            upstream = SocketEvents(
                fd: fd, queue: queue, onReadable: { [unowned self] in self.drive() },
                onWritable: { [unowned self] in self.drive() })
            isUpstreamReadClosed = false
            isUpstreamWriteShut = false
            isUpstreamWriteBlocked = false
            return true
        } catch {
            logger.error("cannot connect to the Docker daemon", metadata: ["error": "\(error)"])
            return false
        }
    }

    func armIdleTimer() {
        timer.arm(after: limits.idleTimeout, purpose: "idle") { [unowned self] in
            self.logger.debug("idle keep-alive connection closed")
            self.beginGracefulClose()
        }
    }

    /// From the first byte of a head to its end; Go's ReadHeaderTimeout in spirit.
    func armHeadTimer() {
        timer.arm(after: limits.requestHeadTimeout, purpose: "head") { [unowned self] in
            self.logger.info("request head timed out")
            self.reject(status: 408, message: "dockgate: request head not received in time", method: nil)
            self.drive()
        }
    }
}
