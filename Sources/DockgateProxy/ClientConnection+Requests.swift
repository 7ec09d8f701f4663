import DockgateAudit
import DockgateAuthorization
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgateIO
import DockgatePolicy

extension ClientConnection {
    /// Client-side HTTP: parse the next head once the previous exchange is over, decide, and
    /// forward the head and its body bytes unchanged. Returns whether anything moved.
    func processClientInbound() -> Bool {
        if phase == .tunnel {
            guard !clientInbound.isEmpty else { return false }
            auditTunnelBytes(fromClient: clientInbound.count)
            toUpstream.append(clientInbound.take(clientInbound.count))
            return true
        }
        switch requestState {
        case .awaitingHead:
            guard case .idle = responseState, !clientInbound.isEmpty, !closesAfterFlush else { return false }
            let head: RequestHead?
            do {
                head = try requestParser.parse(clientInbound.readable)
            } catch {
                auditRejected(status: 400, reason: "malformed request: \(error.message)")
                reject(status: 400, message: "dockgate: malformed request: \(error.message)", method: nil)
                return true
            }
            guard let head else {
                // Part of a head: from now on the client owes the rest within the head timeout.
                if timer.purpose == "idle" { armHeadTimer() }
                return false
            }
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
            if bodyBytes > 0 {
                toUpstream.append(clientInbound.take(bodyBytes))
                auditRequestBytes(bodyBytes)
            }
            requestState = scanner.isComplete ? .awaitingResponse : .forwardingBody(scanner)
            return bodyBytes > 0 || scanner.isComplete
        case .collectingBody(var held):
            guard !clientInbound.isEmpty else { return false }
            let bodyBytes: Int
            do {
                bodyBytes = try held.scanner.scan(clientInbound.readable)
            } catch {
                auditRejected(status: 400, reason: "malformed request body: \(error.message)")
                reject(status: 400, message: "dockgate: malformed request body: \(error.message)", method: held.head.method)
                return true
            }
            held.body.append(contentsOf: clientInbound.take(bodyBytes))
            // Chunk framing adds a little to the payload; the payload itself is capped by the reader.
            guard held.body.count <= environment.gate.maxInspectedBodyBytes + 64 * 1024 else {
                auditRejected(status: 413, reason: "\(held.kind.rawValue) body over the inspection limit")
                reject(
                    status: 413,
                    message: "dockgate: the \(held.kind.rawValue) body is larger than \(environment.gate.maxInspectedBodyBytes) bytes and cannot be inspected",
                    method: held.head.method)
                return true
            }
            if held.scanner.isComplete {
                timer.cancel()
                let payload = held.head.framing == .chunked ? ChunkedBodyDecoder.decode(held.body) : held.body
                guard let payload else {
                    auditRejected(status: 400, reason: "malformed chunked request body")
                    reject(status: 400, message: "dockgate: malformed chunked request body", method: held.head.method)
                    return true
                }
                let verdict = environment.gate.evaluate(body: payload, kind: held.kind, context: held.context)
                proceed(with: verdict, head: held.head, headBytes: held.headBytes, heldBody: held.body, payload: payload)
            } else {
                requestState = .collectingBody(held)
            }
            return true
        case .awaitingFacts, .awaitingResponse, .rejected:
            return false
        }
    }

    private func handle(_ head: RequestHead) {
        guard let identity else { return }
        timer.cancel()
        RequestCounter.increment()
        let verdict = environment.gate.observing(environment.gate.evaluate(identity: identity, head: head))
        if case .inspectBody(let kind, let context) = verdict, head.framing != .none, head.framing != .contentLength(0) {
            // Hold the request: nothing reaches the daemon before its body has been judged.
            let headBytes = clientInbound.take(head.headLength)
            requestParser.reset()
            let scanner: BodyScanner =
                if case .contentLength(let length) = head.framing { BodyScanner(contentLength: length) } else { .chunked() }
            requestState = .collectingBody(HeldRequest(head: head, headBytes: headBytes, scanner: scanner, kind: kind, context: context))
            // A client that waits for 100 before sending would otherwise never send the body (RFC 9110 §10.1.1).
            if head.expectsContinue { toClient.append(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
            timer.arm(after: limits.requestHeadTimeout, purpose: "body") { [unowned self] in
                self.logger.info("request body for inspection not received in time")
                self.reject(status: 408, message: "dockgate: request body not received in time", method: head.method)
                self.drive()
            }
            return
        }
        let headBytes = clientInbound.take(head.headLength)
        requestParser.reset()
        if case .inspectBody(let kind, let context) = verdict {
            proceed(with: environment.gate.evaluate(body: nil, kind: kind, context: context), head: head, headBytes: headBytes, heldBody: nil, payload: nil)
        } else {
            proceed(with: verdict, head: head, headBytes: headBytes, heldBody: nil, payload: nil)
        }
    }

    /// After the head and body rules: the tenancy step, which may need the daemon. Its questions
    /// are asked off the event loop (`DaemonObjectFacts.queue`); the outcome comes back to this
    /// connection's queue as an event, and only then is anything forwarded.
    private func proceed(with verdict: AccessVerdict, head: RequestHead, headBytes: [UInt8], heldBody: [UInt8]?, payload: [UInt8]?) {
        guard case .allow(let context) = verdict, let user = context.user, let policy = context.policy,
            let request = context.request
        else {
            act(on: verdict, head: head, headBytes: headBytes, heldBody: heldBody)
            return
        }
        let gate = TenancyGate(policy: policy, tenant: user.tenant, resolver: environment.gate.resolver)
        if gate.isNothingToDo(request) {
            act(on: verdict, head: head, headBytes: headBytes, heldBody: heldBody)
            return
        }
        requestState = .awaitingFacts
        let facts = environment.daemonFacts
        let body = context.body
        // The connection stays alive until its answer is back (each look-up is bounded by a timeout).
        DaemonObjectFacts.queue.async { [self] in
            let outcome = gate.judge(request, body: body, facts: facts)
            queue.async {
                guard self.phase != .closed, case .awaitingFacts = self.requestState else { return }
                self.factsArrived(outcome, context: context, head: head, headBytes: headBytes, heldBody: heldBody, payload: payload)
                self.drive()
            }
        }
    }

    private func factsArrived(
        _ outcome: TenancyOutcome, context: AccessContext, head: RequestHead, headBytes: [UInt8], heldBody: [UInt8]?,
        payload: [UInt8]?
    ) {
        var context = context
        switch outcome {
        case .deny(let decision):
            // An unread streamed body stays unread: `answerWithoutForwarding` then closes the connection.
            // Observe mode forwards what ownership would refuse, unchanged, and records would-deny.
            act(on: environment.gate.observing(environment.gate.denial(decision, context)), head: head, headBytes: headBytes, heldBody: heldBody)
        case .allow(let rewrite):
            context.details += rewrite.auditDetails.map { ($0.0, AuditValue.string($0.1)) }
            guard rewrite.changesRequest, let request = context.request else {
                act(on: .allow(context), head: head, headBytes: headBytes, heldBody: heldBody)
                return
            }
            let forwarded = ForwardedRequest(head: head, request: request, rewrite: rewrite)
            act(on: .allow(context), head: head, headBytes: forwarded.headBytes, heldBody: forwarded.body ?? heldBody)
        }
    }

    /// Carries out a final verdict. `heldBody` is the whole body when it was read for inspection;
    /// otherwise whatever body follows is streamed after the head.
    private func act(on verdict: AccessVerdict, head: RequestHead, headBytes: [UInt8], heldBody: [UInt8]?) {
        switch verdict {
        case .inspectBody:
            preconditionFailure("a body verdict cannot ask for the body again")
        case .deny(let status, let message, let context):
            _ = auditRequest(head, context, allowed: false, status: status)
            logger.info(
                "request denied",
                metadata: ["method": "\(head.method)", "target": "\(head.target)", "status": "\(status)", "rule": "\(context.rule)"])
            answerWithoutForwarding(head, heldBody: heldBody, status: status, message: message)
        case .allow(let context):
            // Nothing lost: the record is with every sink before a byte reaches the daemon.
            guard auditRequest(head, context, allowed: true, status: nil) else {
                logger.error("audit trail unavailable; request refused", metadata: ["method": "\(head.method)", "target": "\(head.target)"])
                answerWithoutForwarding(
                    head, heldBody: heldBody, status: 503,
                    message: "dockgate: the audit trail cannot be written, so no request is forwarded; try again later")
                return
            }
            guard ensureUpstream() else {
                exchangeAudit?.status = 502
                auditResponseEnded(reason: "the Docker daemon cannot be reached")
                answerWithoutForwarding(
                    head, heldBody: heldBody, status: 502,
                    message: "dockgate: cannot reach the Docker daemon at \(environment.upstream.path)")
                return
            }
            if let denial = context.wouldDeny {
                logger.info("request forwarded in observe mode", metadata: ["method": "\(head.method)", "target": "\(head.target)", "would-deny": "\(denial.rule)"])
            }
            logger.debug("request forwarded", metadata: ["method": "\(head.method)", "target": "\(head.target)", "rule": "\(context.rule)"])
            toUpstream.append(headBytes)
            auditRequestBytes(headBytes.count + (heldBody?.count ?? 0))
            responseParser.reset()
            responseState = .awaitingHead(
                Exchange(
                    method: head.method, action: context.request?.route?.action.rawValue, isUpgradeRequest: head.isUpgrade,
                    requestKeepAlive: head.isKeepAlive))
            if let heldBody {
                toUpstream.append(heldBody)
                requestState = .awaitingResponse
                return
            }
            switch head.framing {
            case .none, .contentLength(0): requestState = .awaitingResponse
            case .contentLength(let length): requestState = .forwardingBody(BodyScanner(contentLength: length))
            case .chunked: requestState = .forwardingBody(.chunked())
            }
        }
    }

    /// dockgate answers the request itself. The connection stays open only if the request's body
    /// was read (or it had none) and the client wants keep-alive: an unread body cannot stay in
    /// the stream.
    private func answerWithoutForwarding(_ head: RequestHead, heldBody: [UInt8]?, status: Int, message: String) {
        let unreadBody = heldBody == nil && head.framing != .none && head.framing != .contentLength(0)
        let keepsConnection = !unreadBody && head.isKeepAlive
        requestState = .awaitingHead
        respondWithError(status: status, message: message, method: head.method, closeConnection: !keepsConnection)
        if keepsConnection { armIdleTimer() }
    }

    /// A request refused before it could be judged (its head or body could not be read).
    func auditRejected(status: Int, reason: String) {
        sequence += 1
        var record = auditRecord(.request)
        record.sequence = sequence
        record.decision = .deny
        record.rule = "request/malformed"
        record.reason = reason
        record.status = status
        // On record before the client reads the refusal, like every decision.
        _ = writeAuditNow(record)
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
            let seconds = self.limits.idleTimeout
            self.closeCause = "idle timeout: no request for \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)) s"
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
