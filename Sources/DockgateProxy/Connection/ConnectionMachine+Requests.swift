import DockgateAuthorization
import DockgateCore
import DockgateDocker
import DockgateHTTP
import Logging

/// Client-side HTTP: each request's head is parsed once the previous exchange is over, judged,
/// recorded, and only then forwarded with its body.
extension ConnectionMachine {
    /// One step of the request at the front; returns whether anything moved (so call it again).
    mutating func processClientInbound(_ actions: inout [ConnectionAction]) -> Bool {
        guard case .http(let http) = state else { return false }
        switch http.request {
        case .awaitingHead:
            guard case .idle = http.response, !clientInbound.isEmpty else { return false }
            let head: RequestHead?
            do {
                head = try requestParser.parse(clientInbound.readable)
            } catch {
                rejectUnreadable(status: 400, reason: "malformed request: \(error.message)", method: nil, &actions)
                return false
            }
            guard let head else {
                // Part of a head: from now on the client owes the rest within the head timeout.
                if armedTimer == .idle { arm(.head, after: limits.requestHeadTimeout, &actions) }
                return false
            }
            cancelTimer(&actions)
            updateHTTP { $0.request = .judgingHead(head) }
            actions.append(.judgeHead(head))
            return false
        case .forwardingBody(var scanner):
            guard !clientInbound.isEmpty else { return false }
            let bodyBytes: Int
            do {
                bodyBytes = try scanner.scan(clientInbound.readable)
            } catch {
                // The head is already with the daemon; a broken body cannot be answered cleanly.
                logger.info("malformed request body", metadata: ["error": "\(error.message)"])
                close(reason: "malformed chunked request body", &actions)
                return false
            }
            if bodyBytes > 0 {
                send(toUpstream: clientInbound.take(bodyBytes), &actions)
                audit.requestBytes(bodyBytes)
            }
            updateHTTP { $0.request = scanner.isComplete ? .awaitingResponse : .forwardingBody(scanner) }
            return bodyBytes > 0 && !scanner.isComplete
        case .collectingBody(var held):
            guard !clientInbound.isEmpty else { return false }
            let bodyBytes: Int
            do {
                bodyBytes = try held.scanner.scan(clientInbound.readable)
            } catch {
                rejectUnreadable(status: 400, reason: "malformed request body: \(error.message)", method: held.head.method, &actions)
                return false
            }
            held.body.append(contentsOf: clientInbound.take(bodyBytes))
            // Chunk framing adds a little to the payload; the payload itself is capped by the reader.
            guard held.body.count <= maxInspectedBodyBytes + 64 * 1024 else {
                rejectUnreadable(
                    status: 413,
                    reason: "the \(held.kind.rawValue) body is larger than \(maxInspectedBodyBytes) bytes and cannot be inspected",
                    method: held.head.method, &actions)
                return false
            }
            guard held.scanner.isComplete else {
                updateHTTP { $0.request = .collectingBody(held) }
                return false
            }
            cancelTimer(&actions)
            let payload = held.head.framing == .chunked ? ChunkedBodyDecoder.decode(held.body) : held.body
            guard let payload else {
                rejectUnreadable(status: 400, reason: "malformed chunked request body", method: held.head.method, &actions)
                return false
            }
            updateHTTP { $0.request = .judging(held.head, bodyRead: true) }
            actions.append(
                .judgeRequest(
                    PendingJudgement(
                        head: held.head, headBytes: held.headBytes, verdict: .inspectBody(held.kind, held.context),
                        heldBody: held.body, payload: payload)))
            return false
        case .judgingHead, .judging, .recording, .connecting, .awaitingResponse, .closing:
            return false
        }
    }

    /// The head rules answered.
    mutating func headJudged(_ verdict: AccessVerdict, _ actions: inout [ConnectionAction]) {
        guard let http, case .judgingHead(let head) = http.request else { return }
        let headBytes = clientInbound.take(head.headLength)
        requestParser.reset()
        switch verdict {
        case .inspectBody(let kind, let context) where head.hasBody:
            // Hold the request: nothing reaches the daemon before its body has been judged.
            let scanner: BodyScanner =
                if case .contentLength(let length) = head.framing { BodyScanner(contentLength: length) } else { .chunked() }
            updateHTTP { $0.request = .collectingBody(HeldRequest(head: head, headBytes: headBytes, scanner: scanner, kind: kind, context: context)) }
            // A client that waits for 100 before sending would otherwise never send the body (RFC 9110 §10.1.1).
            if head.expectsContinue { send(toClient: Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), &actions) }
            arm(.body, after: limits.requestHeadTimeout, &actions)
        case .inspectBody, .allow:
            updateHTTP { $0.request = .judging(head, bodyRead: !head.hasBody) }
            actions.append(.judgeRequest(PendingJudgement(head: head, headBytes: headBytes, verdict: verdict, heldBody: nil, payload: nil)))
        case .deny(let status, let message, let context):
            decided(.deny(status: status, message: message, context), head: head, bodyRead: !head.hasBody, &actions)
        }
    }

    /// The whole decision is in.
    mutating func requestJudged(_ judgement: RequestJudgement, _ actions: inout [ConnectionAction]) {
        guard let http, case .judging(let head, let bodyRead) = http.request else { return }
        decided(judgement, head: head, bodyRead: bodyRead, &actions)
    }

    /// Every decision is with the sinks before its consequence: a permitted request's record
    /// before a byte is forwarded, a denial's before the client reads the refusal.
    private mutating func decided(_ judgement: RequestJudgement, head: RequestHead, bodyRead: Bool, _ actions: inout [ConnectionAction]) {
        switch judgement {
        case .deny(let status, let message, let context):
            logger.info(
                "request denied",
                metadata: ["method": "\(head.method)", "target": "\(head.target)", "status": "\(status)", "rule": "\(context.rule)"])
            let record = audit.requestRecord(head, context, allowed: false, status: status)
            updateHTTP { $0.request = .recording(.refuse(head, bodyRead: bodyRead, status: status, message: message), record) }
            actions.append(.writeAudit(record, awaitsWrite: true))
        case .allow(let context, let headBytes, let body):
            let record = audit.requestRecord(head, context, allowed: true, status: nil)
            updateHTTP { $0.request = .recording(.forward(Forward(head: head, headBytes: headBytes, body: body, context: context)), record) }
            actions.append(.writeAudit(record, awaitsWrite: true))
        }
    }

    /// The decision's record was written (or a fail-closed sink could not take it).
    mutating func auditWritten(_ written: Bool, _ actions: inout [ConnectionAction]) {
        guard let http, case .recording(let decided, let record) = http.request else { return }
        switch decided {
        case .refuse(let head, let bodyRead, let status, let message):
            answerWithoutForwarding(head, bodyRead: bodyRead, status: status, message: message, &actions)
        case .reject(let status, let message, let method):
            reject(status: status, message: message, method: method, &actions)
        case .forward(let forward):
            guard written else {
                logger.error(
                    "audit trail unavailable; request refused", metadata: ["method": "\(forward.head.method)", "target": "\(forward.head.target)"])
                answerWithoutForwarding(
                    forward.head, bodyRead: forward.body != nil || !forward.head.hasBody, status: 503,
                    message: "dockgate: the audit trail cannot be written, so no request is forwarded; try again later", &actions)
                return
            }
            audit.exchangeBegan(record)
            if hasUpstream {
                forwardNow(forward, &actions)
            } else {
                hasUpstream = true
                updateHTTP { $0.request = .connecting(forward) }
                actions.append(.connectUpstream)
            }
        }
    }

    mutating func upstreamConnected(_ actions: inout [ConnectionAction]) {
        guard let http, case .connecting(let forward) = http.request else { return }
        forwardNow(forward, &actions)
    }

    mutating func upstreamConnectFailed(_ reason: String, _ actions: inout [ConnectionAction]) {
        guard let http, case .connecting(let forward) = http.request else { return }
        logger.error("cannot connect to the Docker daemon", metadata: ["error": "\(reason)"])
        hasUpstream = false
        audit.setResponseStatus(502)
        audit.responseEnded(reason: "the Docker daemon cannot be reached", &actions)
        answerWithoutForwarding(
            forward.head, bodyRead: forward.body != nil || !forward.head.hasBody, status: 502,
            message: "dockgate: cannot reach the Docker daemon at \(upstreamDescription)", &actions)
    }

    /// Sends an allowed, recorded request; its body follows as the client sends it, unless held.
    private mutating func forwardNow(_ forward: Forward, _ actions: inout [ConnectionAction]) {
        let head = forward.head
        if let denial = forward.context.wouldDeny {
            logger.info("request forwarded in observe mode", metadata: ["method": "\(head.method)", "target": "\(head.target)", "would-deny": "\(denial.rule)"])
        }
        logger.debug("request forwarded", metadata: ["method": "\(head.method)", "target": "\(head.target)", "rule": "\(forward.context.rule)"])
        send(toUpstream: forward.headBytes, &actions)
        audit.requestBytes(forward.headBytes.count + (forward.body?.count ?? 0))
        responseParser.reset()
        let exchange = Exchange(
            method: head.method, action: forward.context.request?.route?.action, isUpgradeRequest: head.isUpgrade,
            requestKeepAlive: head.isKeepAlive)
        let request: RequestStage
        if let body = forward.body {
            send(toUpstream: body, &actions)
            request = .awaitingResponse
        } else {
            switch head.framing {
            case .none, .contentLength(0): request = .awaitingResponse
            case .contentLength(let length): request = .forwardingBody(BodyScanner(contentLength: length))
            case .chunked: request = .forwardingBody(.chunked())
            }
        }
        updateHTTP {
            $0.request = request
            $0.response = .awaitingHead(exchange)
        }
    }

    /// dockgate answers the request itself. The connection stays open only if the request's body
    /// was read (or it had none) and the client wants keep-alive: an unread body cannot stay in
    /// the stream.
    private mutating func answerWithoutForwarding(
        _ head: RequestHead, bodyRead: Bool, status: Int, message: String, _ actions: inout [ConnectionAction]
    ) {
        let keepsConnection = bodyRead && head.isKeepAlive
        updateHTTP { $0.request = .awaitingHead }
        respondWithError(status: status, message: message, method: head.method, closeConnection: !keepsConnection, &actions)
        if keepsConnection { armIdleTimer(&actions) }
    }

    /// A request refused before it could be judged (its head or body could not be read): on
    /// record before the client reads the refusal, like every decision.
    private mutating func rejectUnreadable(status: Int, reason: String, method: String?, _ actions: inout [ConnectionAction]) {
        cancelTimer(&actions)
        let record = audit.rejectedRecord(status: status, reason: reason)
        updateHTTP { $0.request = .recording(.reject(status: status, message: "dockgate: \(reason)", method: method), record) }
        actions.append(.writeAudit(record, awaitsWrite: true))
    }

    /// Answers a request that cannot be read and stops reading HTTP from this client.
    mutating func reject(status: Int, message: String, method: String?, _ actions: inout [ConnectionAction]) {
        logger.info("request rejected", metadata: ["status": "\(status)", "reason": "\(message)"])
        cancelTimer(&actions)
        clientInbound.removeAll()
        respondWithError(status: status, message: message, method: method, closeConnection: true, &actions)
    }

    mutating func respondWithError(status: Int, message: String, method: String?, closeConnection: Bool, _ actions: inout [ConnectionAction]) {
        send(
            toClient: DockerErrorBody.response(status: status, message: message, closeConnection: closeConnection, omitBody: method == "HEAD"),
            &actions)
        if closeConnection { updateHTTP { $0.request = .closing } }
    }
}

extension RequestHead {
    /// Whether body bytes follow the head.
    var hasBody: Bool { framing != .none && framing != .contentLength(0) }
}
