import DockgateCore
import DockgateDocker
import DockgateHTTP

extension ClientConnection {
    /// Daemon-side HTTP: forward each response head as soon as it is parsed (a `/wait` head comes
    /// long before its body), then every body byte as it arrives, in the chunks it arrived in.
    func processUpstreamInbound() {
        // What one read produced goes out as one TLS write: a small answer's head and body share
        // a record, as they shared the daemon's write. Only a 101 head travels alone (below).
        var outgoing: [UInt8] = []
        defer { if phase != .closed { toClient.append(outgoing) } }
        while phase == .http, !upstreamInbound.isEmpty {
            switch responseState {
            case .idle:
                logger.notice("the daemon sent bytes without a request")
                closeNow(reason: "unsolicited upstream bytes")
                return
            case .awaitingHead(let exchange):
                let head: ResponseHead?
                do {
                    head = try responseParser.parse(upstreamInbound.readable, requestMethod: exchange.method)
                } catch {
                    logger.error("malformed response from the daemon", metadata: ["error": "\(error.message)"])
                    toClient.append(outgoing)
                    outgoing = []
                    failExchangeBeforeResponse(message: "dockgate: malformed response from the Docker daemon: \(error.message)")
                    return
                }
                guard let head else { return }
                let headBytes = upstreamInbound.take(head.headLength)
                auditResponseHead(head)
                auditResponseBytes(headBytes, isBody: false)
                responseParser.reset()
                if head.isInterim {
                    outgoing += headBytes
                    continue
                }
                if head.framing == .switchingProtocols && !exchange.isUpgradeRequest {
                    logger.error("the daemon switched protocols for a request that did not ask to")
                    closeNow(reason: "unexpected 101")
                    return
                }
                if head.framing == .switchingProtocols || isLegacyRawStream(head, exchange) {
                    // Its own chunk, hence its own TLS record: docker-py reads the 101 head through
                    // a buffered reader and the stream from the raw socket (docker-py#3332).
                    toClient.append(outgoing)
                    outgoing = []
                    toClient.append(headBytes)
                    enterTunnel()
                    return
                }
                outgoing += headBytes
                let keepAlive = head.isKeepAlive && exchange.requestKeepAlive
                switch head.framing {
                case .none, .switchingProtocols:
                    finishExchange(keepAlive: keepAlive)
                case .contentLength(let length):
                    responseState = .forwardingBody(BodyScanner(contentLength: length), exchange, keepAlive: keepAlive, untilClose: false)
                    if length == 0 { finishExchange(keepAlive: keepAlive) }
                case .chunked:
                    responseState = .forwardingBody(.chunked(), exchange, keepAlive: keepAlive, untilClose: false)
                case .closeDelimited:
                    responseState = .forwardingBody(.closeDelimited, exchange, keepAlive: false, untilClose: true)
                }
            case .forwardingBody(var scanner, let exchange, let keepAlive, let untilClose):
                let bodyBytes: Int
                do {
                    bodyBytes = try scanner.scan(upstreamInbound.readable)
                } catch {
                    logger.error("malformed response body from the daemon", metadata: ["error": "\(error.message)"])
                    closeNow(reason: "malformed upstream body")
                    return
                }
                if bodyBytes > 0 {
                    let body = upstreamInbound.take(bodyBytes)
                    auditResponseBytes(body, isBody: true)
                    outgoing += body
                }
                if scanner.isComplete {
                    finishExchange(keepAlive: keepAlive)
                } else {
                    responseState = .forwardingBody(scanner, exchange, keepAlive: keepAlive, untilClose: untilClose)
                }
            }
        }
    }

    /// The legacy hijack: `200` + raw-stream content type + no length, on attach or exec start,
    /// the two handlers that write it for clients that did not ask to upgrade (PROTOCOL.md §1.4.3).
    private func isLegacyRawStream(_ head: ResponseHead, _ exchange: Exchange) -> Bool {
        head.status == 200 && head.isRawStream && head.framing == .closeDelimited
            && (exchange.action == "container.attach" || exchange.action == "exec.start")
    }

    private func finishExchange(keepAlive: Bool) {
        auditResponseEnded()
        responseState = .idle
        switch requestState {
        case .awaitingResponse where keepAlive && !isDraining:
            requestState = .awaitingHead
            armIdleTimer()
        case .forwardingBody:
            // The daemon answered before the body was complete (an early error): stop uploading,
            // deliver the answer, close (PROTOCOL.md §4.2).
            requestState = .rejected
            closesAfterFlush = true
        default:
            requestState = .rejected
            closesAfterFlush = true
        }
    }

    /// The daemon closed or broke before a response head: answer 502 if nothing was sent yet.
    func failExchangeBeforeResponse(message: String) {
        exchangeAudit?.status = 502
        auditResponseEnded(reason: message)
        upstream?.close()
        upstream = nil
        upstreamInbound.removeAll()
        toUpstream.removeAll()
        responseState = .idle
        respondWithError(status: 502, message: message, method: nil, closeConnection: true)
    }

    /// From here on both directions are opaque bytes until each side has closed.
    private func enterTunnel() {
        logger.debug("tunnel opened")
        auditTunnelOpened()
        phase = .tunnel
        timer.cancel()
        responseState = .idle
        requestState = .rejected
        if !upstreamInbound.isEmpty {
            auditTunnelBytes(toClient: upstreamInbound.count)
            toClient.append(upstreamInbound.take(upstreamInbound.count))
        }
        if !clientInbound.isEmpty {
            auditTunnelBytes(fromClient: clientInbound.count)
            toUpstream.append(clientInbound.take(clientInbound.count))
        }
    }

    /// What the end of the daemon's output means in the current state.
    func upstreamReachedEOF() {
        isUpstreamReadClosed = true
        switch (phase, responseState) {
        case (.tunnel, _):
            // Flush, then close_notify; advanceHalfClose does it once toClient is empty.
            break
        case (.http, .forwardingBody(_, _, _, untilClose: true)):
            auditResponseEnded()
            responseState = .idle
            requestState = .rejected
            closesAfterFlush = true
        case (.http, .awaitingHead):
            failExchangeBeforeResponse(message: "dockgate: the Docker daemon closed the connection without answering")
        case (.http, .idle):
            // The daemon dropped an idle connection; the next request opens a new one.
            upstream?.close()
            upstream = nil
        case (.http, .forwardingBody):
            logger.notice("the daemon closed the connection in the middle of a response")
            closeNow(reason: "truncated upstream response")
        default:
            break
        }
    }
}
