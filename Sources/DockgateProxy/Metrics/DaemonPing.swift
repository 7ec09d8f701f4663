import DockgateIO

#if canImport(Glibc)
import Glibc
#endif

/// Asks the Docker daemon `GET /_ping` over its unix socket, the question `docker info` and
/// every SDK ask first. Blocking, bounded by `timeoutSeconds` per step; run it on a queue of its
/// own, never on an event loop.
struct DaemonPing {
    let upstream: UpstreamConnector
    var timeoutSeconds = 2

    static let request = Array("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".utf8)

    /// nil when the daemon answered 200; otherwise why not, in a few words.
    func problem() -> String? {
        let fd: Int32
        do {
            fd = try upstream.connect(blocking: true, timeoutSeconds: timeoutSeconds)
        } catch {
            return "daemon socket: \(error)"
        }
        defer { Syscall.close(fd) }
        let sent = Self.request.withUnsafeBytes { try? Syscall.send(fd, $0) }
        guard case .processed(Self.request.count)? = sent else { return "daemon socket: cannot send /_ping" }
        // The status line is all that is needed: "HTTP/1.1 200 OK".
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while received.count < 256, !received.contains(UInt8(ascii: "\n")) {
            // A blocking socket with SO_RCVTIMEO: its timeout is EAGAIN, `.wouldBlock`.
            switch chunk.withUnsafeMutableBytes({ try? Syscall.read(fd, into: $0) }) {
            case .processed(let count)? where count > 0:
                received += chunk[0..<count]
            case .processed?:
                return "daemon closed the connection without answering /_ping"
            case .wouldBlock?, nil:
                return "daemon did not answer /_ping within \(timeoutSeconds) s"
            }
        }
        let statusLine = String(decoding: received.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1] == "200" else {
            return "daemon answered /_ping with \"\(statusLine.prefix(64))\""
        }
        return nil
    }
}
