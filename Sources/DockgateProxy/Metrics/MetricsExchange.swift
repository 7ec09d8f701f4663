import Dispatch
import DockgateHTTP
import DockgateIO

/// One connection to the metrics listener: a single small request head, one answer, close.
///
/// Strict and bounded: the head is read by the proxy's own `RequestHeadParser` (at most
/// `maxHeadBytes`, within `headTimeout` seconds); a request with a body, any method but GET or
/// HEAD, or any other path is refused. No keep-alive: Prometheus reconnects per scrape.
///
/// Threading: every property is touched only on `queue`, the metrics endpoint's serial queue
/// (hence `@unchecked Sendable`); the health evaluation runs elsewhere and comes back to it.
final class MetricsExchange: @unchecked Sendable {
    static let maxHeadBytes = 8 * 1024
    static let headTimeout = 5.0

    enum Answer: Equatable {
        case metrics
        case health
        case refuse(status: Int, reason: String, allow: Bool)
    }

    private let queue: DispatchQueue
    private let socket: SocketEvents
    private let timer: DispatchSourceTimer
    private let respond: @Sendable (Answer, @escaping @Sendable (Int, String, String) -> Void) -> Void
    private let onClose: @Sendable () -> Void
    private var parser = RequestHeadParser(maxHeadBytes: MetricsExchange.maxHeadBytes)
    private var inbound: [UInt8] = []
    private var outbound: [UInt8] = []
    private var written = 0
    private var isAnswering = false
    private var isHead = false
    private var isFinished = false
    /// The answer is out and our side shut down; the client's input is read and dropped until
    /// its EOF, so closing with unread bytes cannot reset the connection under the answer.
    private var isLingering = false
    static let lingerSeconds = 2.0

    /// `respond(answer, reply)` produces (status, content type, body) for an answer and calls
    /// `reply` with it, on any queue.
    init(
        fd: Int32, poller: LoopPoller,
        respond: @escaping @Sendable (Answer, @escaping @Sendable (Int, String, String) -> Void) -> Void,
        onClose: @escaping @Sendable () -> Void
    ) {
        self.queue = poller.queue
        self.respond = respond
        self.onClose = onClose
        var readable: (() -> Void)?
        var writable: (() -> Void)?
        socket = SocketEvents(fd: fd, poller: poller, onReadable: { readable?() }, onWritable: { writable?() })
        timer = DispatchSource.makeTimerSource(queue: poller.queue)
        readable = { [weak self] in self?.readAvailable() }
        writable = { [weak self] in self?.writePending() }
        timer.setEventHandler { [weak self] in self?.timedOut() }
    }

    func start() {
        queue.async { [self] in
            timer.schedule(deadline: .now() + Self.headTimeout)
            timer.resume()
            socket.setInterest(read: true, write: false)
        }
    }

    /// What a request head asks for.
    static func answer(for head: RequestHead) -> Answer {
        guard head.method == "GET" || head.method == "HEAD" else {
            return .refuse(status: 405, reason: "only GET and HEAD are served\n", allow: true)
        }
        guard head.framing == .none || head.framing == .contentLength(0) else { return .refuse(status: 400, reason: "a request body is not accepted\n", allow: false) }
        switch head.target {
        case "/metrics": return .metrics
        case "/healthz": return .health
        default: return .refuse(status: 404, reason: "not found: the endpoints are /metrics and /healthz\n", allow: false)
        }
    }

    private func readAvailable() {
        if isLingering {
            discardUntilEndOfStream()
            return
        }
        guard !isAnswering, !isFinished else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let result = chunk.withUnsafeMutableBytes { buffer in Result { () throws(SystemError) in try Syscall.read(socket.fd, into: buffer) } }
        switch result {
        case .success(.wouldBlock):
            return
        case .success(.processed(0)), .failure:
            finish()
            return
        case .success(.processed(let count)):
            inbound += chunk[0..<count]
        }
        do {
            guard let head = try parser.parse(inbound[...]) else { return }
            isHead = head.method == "HEAD"
            answer(Self.answer(for: head))
        } catch {
            let tooLarge = if case .headTooLarge = error { true } else { false }
            answer(.refuse(status: tooLarge ? 431 : 400, reason: "malformed request: \(error.message)\n", allow: false))
        }
    }

    private func answer(_ answer: Answer) {
        isAnswering = true
        timer.cancel()
        socket.setInterest(read: false, write: false)
        if case .refuse(let status, let reason, let allow) = answer {
            send(status: status, contentType: "text/plain; charset=utf-8", body: reason, allow: allow)
            return
        }
        respond(answer) { [weak self] status, contentType, body in
            guard let self else { return }
            self.queue.async { self.send(status: status, contentType: contentType, body: body, allow: false) }
        }
    }

    private func send(status: Int, contentType: String, body: String, allow: Bool) {
        guard !isFinished else { return }
        let bodyBytes = Array(body.utf8)
        var head = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\nContent-Type: \(contentType)\r\n"
        head += "Content-Length: \(bodyBytes.count)\r\nCache-Control: no-store\r\nConnection: close\r\n"
        if allow { head += "Allow: GET, HEAD\r\n" }
        head += "\r\n"
        outbound = Array(head.utf8) + (isHead ? [] : bodyBytes)
        written = 0
        writePending()
    }

    private func writePending() {
        guard !isFinished else { return }
        while written < outbound.count {
            let result = outbound[written...].withUnsafeBytes { bytes in
                Result { () throws(SystemError) in try Syscall.send(socket.fd, bytes) }
            }
            switch result {
            case .success(.processed(let count)):
                written += count
            case .success(.wouldBlock):
                socket.setInterest(read: false, write: true)
                return
            case .failure:
                finish()
                return
            }
        }
        Syscall.shutdownWrite(socket.fd)
        isLingering = true
        socket.setInterest(read: true, write: false)
        queue.asyncAfter(deadline: .now() + Self.lingerSeconds) { [weak self] in self?.finish() }
        discardUntilEndOfStream()
    }

    private func discardUntilEndOfStream() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !isFinished {
            let result = chunk.withUnsafeMutableBytes { buffer in Result { () throws(SystemError) in try Syscall.read(socket.fd, into: buffer) } }
            switch result {
            case .success(.wouldBlock): return
            case .success(.processed(0)), .failure: finish()
            case .success(.processed): continue
            }
        }
    }

    private func timedOut() {
        guard !isAnswering, !isFinished else { return }
        answer(.refuse(status: 408, reason: "request head timeout\n", allow: false))
    }

    private func finish() {
        guard !isFinished else { return }
        isFinished = true
        if !isAnswering { timer.cancel() }
        timer.setEventHandler(handler: nil)
        // A timer never resumed would trap when released (DESIGN-NOTES §2.3.1); start() resumed it.
        socket.close()
        onClose()
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
