import DockgateCore
import DockgateDocker
import DockgateHTTP
import Logging

/// Daemon-side HTTP: each response head is forwarded as soon as it is parsed (a `/wait` head
/// comes long before its body), then every body byte as it arrives; a 101 turns the connection
/// into a tunnel.
extension ConnectionMachine {
    mutating func processUpstreamInbound(_ actions: inout [ConnectionAction]) {
        // What one read produced goes out as one TLS write: a small answer's head and body share
        // a record, as they shared the daemon's write. Only a 101 head travels alone (below).
        var outgoing: [UInt8] = []
        defer { if !isClosed { send(toClient: outgoing, &actions) } }
        while let http, !upstreamInbound.isEmpty {
            switch http.response {
            case .idle:
                logger.notice("the daemon sent bytes without a request")
                close(reason: "unsolicited upstream bytes", &actions)
                return
            case .awaitingHead(let exchange):
                let head: ResponseHead?
                do {
                    head = try responseParser.parse(upstreamInbound.readable, requestMethod: exchange.method)
                } catch {
                    logger.error("malformed response from the daemon", metadata: ["error": "\(error.message)"])
                    send(toClient: outgoing, &actions)
                    outgoing = []
                    failExchangeBeforeResponse(message: "dockgate: malformed response from the Docker daemon: \(error.message)", &actions)
                    return
                }
                guard let head else { return }
                let headBytes = upstreamInbound.take(head.headLength)
                audit.responseHead(head)
                audit.responseBytes(headBytes, isBody: false)
                responseParser.reset()
                if head.isInterim {
                    outgoing += headBytes
                    continue
                }
                if head.framing == .switchingProtocols && !exchange.isUpgradeRequest {
                    logger.error("the daemon switched protocols for a request that did not ask to")
                    close(reason: "unexpected 101", &actions)
                    return
                }
                if head.framing == .switchingProtocols || Self.isLegacyRawStream(head, exchange) {
                    // Its own chunk, hence its own TLS record: docker-py reads the 101 head through
                    // a buffered reader and the stream from the raw socket (docker-py#3332).
                    send(toClient: outgoing, &actions)
                    outgoing = []
                    send(toClient: headBytes, &actions)
                    enterTunnel(&actions)
                    return
                }
                outgoing += headBytes
                let keepAlive = head.isKeepAlive && exchange.requestKeepAlive
                switch head.framing {
                case .none, .switchingProtocols:
                    finishExchange(keepAlive: keepAlive, &actions)
                case .contentLength(let length):
                    updateHTTP { $0.response = .forwardingBody(BodyScanner(contentLength: length), exchange, keepAlive: keepAlive, untilClose: false) }
                    if length == 0 { finishExchange(keepAlive: keepAlive, &actions) }
                case .chunked:
                    updateHTTP { $0.response = .forwardingBody(.chunked(), exchange, keepAlive: keepAlive, untilClose: false) }
                case .closeDelimited:
                    updateHTTP { $0.response = .forwardingBody(.closeDelimited, exchange, keepAlive: false, untilClose: true) }
                }
            case .forwardingBody(var scanner, let exchange, let keepAlive, let untilClose):
                let bodyBytes: Int
                do {
                    bodyBytes = try scanner.scan(upstreamInbound.readable)
                } catch {
                    logger.error("malformed response body from the daemon", metadata: ["error": "\(error.message)"])
                    close(reason: "malformed upstream body", &actions)
                    return
                }
                if bodyBytes > 0 {
                    let body = upstreamInbound.take(bodyBytes)
                    audit.responseBytes(body, isBody: true)
                    outgoing += body
                }
                if scanner.isComplete {
                    finishExchange(keepAlive: keepAlive, &actions)
                } else {
                    updateHTTP { $0.response = .forwardingBody(scanner, exchange, keepAlive: keepAlive, untilClose: untilClose) }
                }
            }
        }
    }

    /// The legacy hijack: `200` + raw-stream content type + no length, on attach or exec start,
    /// the two handlers that write it for clients that did not ask to upgrade (PROTOCOL.md §1.4.3).
    static func isLegacyRawStream(_ head: ResponseHead, _ exchange: Exchange) -> Bool {
        head.status == 200 && head.isRawStream && head.framing == .closeDelimited
            && (exchange.action == .containerAttach || exchange.action == .execStart)
    }

    private mutating func finishExchange(keepAlive: Bool, _ actions: inout [ConnectionAction]) {
        audit.responseEnded(&actions)
        guard let http else { return }
        if case .awaitingResponse = http.request, keepAlive, !isDraining {
            updateHTTP {
                $0.response = .idle
                $0.request = .awaitingHead
            }
            armIdleTimer(&actions)
            return
        }
        // Otherwise the connection ends with this answer. A request still uploading its body got
        // an early answer (an error): stop uploading, deliver the answer, close (PROTOCOL.md §4.2).
        updateHTTP {
            $0.response = .idle
            $0.request = .closing
        }
    }

    /// The daemon closed or broke before a response head: answer 502 (nothing was sent yet).
    private mutating func failExchangeBeforeResponse(message: String, _ actions: inout [ConnectionAction]) {
        audit.setResponseStatus(502)
        audit.responseEnded(reason: message, &actions)
        closeUpstream(&actions)
        updateHTTP { $0.response = .idle }
        respondWithError(status: 502, message: message, method: nil, closeConnection: true, &actions)
    }

    /// From here on both directions are opaque bytes until each side has closed.
    private mutating func enterTunnel(_ actions: inout [ConnectionAction]) {
        logger.debug("tunnel opened")
        audit.tunnelOpened(&actions)
        let clientEnded = http?.clientEnded ?? false
        state = .tunnel(TunnelState(clientEnded: clientEnded))
        cancelTimer(&actions)
        if !upstreamInbound.isEmpty {
            audit.tunnelBytes(toClient: upstreamInbound.count)
            send(toClient: upstreamInbound.take(upstreamInbound.count), &actions)
        }
        if !clientInbound.isEmpty {
            audit.tunnelBytes(fromClient: clientInbound.count)
            send(toUpstream: clientInbound.take(clientInbound.count), &actions)
        }
    }

    /// What the end of the daemon's output means in the current state.
    mutating func upstreamEnded(_ actions: inout [ConnectionAction]) {
        switch state {
        case .tunnel(var tunnel):
            // Flushed, then close_notify: `advanceHalfClose` does it once the client has it all.
            tunnel.upstreamEnded = true
            state = .tunnel(tunnel)
        case .http(let http):
            switch http.response {
            case .forwardingBody(_, _, _, untilClose: true):
                audit.responseEnded(&actions)
                updateHTTP {
                    $0.response = .idle
                    $0.request = .closing
                }
            case .awaitingHead:
                failExchangeBeforeResponse(message: "dockgate: the Docker daemon closed the connection without answering", &actions)
            case .idle:
                // The daemon dropped an idle connection; the next request opens a new one.
                closeUpstream(&actions)
            case .forwardingBody:
                logger.notice("the daemon closed the connection in the middle of a response")
                close(reason: "truncated upstream response", &actions)
            }
        default:
            break
        }
    }

    /// Carries each side's end of stream to the other, as PROTOCOL.md §2.4 prescribes.
    mutating func advanceHalfClose(_ actions: inout [ConnectionAction]) {
        switch state {
        case .tunnel(var tunnel):
            // Client close_notify or clean EOF: flush, then SHUT_WR upstream and keep relaying
            // output. Never close(): the daemon's EPOLLHUP watcher would cancel the attach.
            if tunnel.clientEnded, pendingToUpstream == 0, !tunnel.upstreamWriteShut, hasUpstream {
                tunnel.upstreamWriteShut = true
                state = .tunnel(tunnel)
                actions.append(.shutdownUpstreamWrite)
            }
            // Daemon EOF: flush, close_notify, lingering close.
            if tunnel.upstreamEnded && pendingToClient == 0 {
                beginGracefulClose(&actions)
            }
        case .http(let http):
            if case .closing = http.request {
                if pendingToClient == 0 { beginGracefulClose(&actions) }
                return
            }
            guard http.clientEnded else { return }
            switch (http.request, http.response) {
            case (.awaitingHead, .idle):
                beginGracefulClose(&actions)
            case (_, .awaitingHead(let exchange)) where exchange.isUpgradeRequest:
                // An attach whose client already finished sending: the tunnel starts half-closed.
                break
            case (.recording(.reject, _), _):
                // The refusal is on its way; the close follows it.
                break
            default:
                // Like dockerd: a client gone mid-request cancels it, which frees `/events`
                // subscriptions and `logs -f` followers on the daemon.
                close(reason: "client closed while a request was in flight", &actions)
            }
        default:
            break
        }
    }
}
