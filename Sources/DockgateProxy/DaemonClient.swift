#if canImport(Glibc)
import Glibc
#endif
import DockgateDocker
import DockgateHTTP
import DockgateIO

/// One blocking HTTP/1.1 exchange with the daemon on a unix connection of its own, bounded by a
/// short timeout per step. Never called on an event loop: the proxy's look-ups run on
/// `DaemonObjectFacts.queue`; `policy explain` and the health check call it from their own threads.
struct DaemonClient: Sendable {
    let socketPath: String
    var timeoutSeconds = 2
    static let maxResponseBytes = 4 * 1024 * 1024

    struct Answer {
        let status: Int
        let body: [UInt8]
    }

    func send(_ method: String, _ path: String, json body: [UInt8]? = nil) -> Result<Answer, DaemonClientError> {
        let fd: Int32
        do {
            fd = try UpstreamConnector(path: socketPath).connect(blocking: true, timeoutSeconds: timeoutSeconds)
        } catch {
            return .failure(DaemonClientError(message: "\(error)"))
        }
        defer { Syscall.close(fd) }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: dockgate\r\nConnection: close\r\n"
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        request += "\r\n"
        guard Self.writeAll(fd, Array(request.utf8) + (body ?? [])) else {
            return .failure(DaemonClientError(message: "cannot send \(method) \(path)"))
        }
        guard let response = Self.readAll(fd) else { return .failure(DaemonClientError(message: "no answer to \(method) \(path)")) }
        var parser = ResponseHeadParser()
        guard let head = try? parser.parse(response[...], requestMethod: method) else {
            return .failure(DaemonClientError(message: "malformed answer to \(method) \(path)"))
        }
        let raw = Array(response[head.headLength...])
        guard let decoded = head.framing == .chunked ? ChunkedBodyDecoder.decode(raw) : raw else {
            return .failure(DaemonClientError(message: "malformed body in the answer to \(method) \(path)"))
        }
        return .success(Answer(status: head.status, body: decoded))
    }

    /// `GET path` read as a JSON object: nil for a 404, an error for anything but 200.
    func object(_ path: String) -> Result<JSONObject?, DaemonClientError> {
        send("GET", path).flatMap(Self.object(from:))
    }

    static func object(from answer: Answer) -> Result<JSONObject?, DaemonClientError> {
        if answer.status == 404 { return .success(nil) }
        guard (200..<300).contains(answer.status) else {
            return .failure(DaemonClientError(message: "the daemon answered \(answer.status)"))
        }
        // The daemon's own output: read leniently about duplicate folds (its maps are exact).
        guard case .object(let object)? = try? StrictJSONReader(rejectFoldedDuplicates: false).read(answer.body) else {
            return .failure(DaemonClientError(message: "unreadable answer"))
        }
        return .success(object)
    }

    /// Names and IDs of containers, volumes, networks and exec instances never hold "/", "%",
    /// "?", "#", spaces or controls; anything else is not looked up (the daemon has no such object).
    static func pathSegment(_ name: String) -> String? {
        let allowed = name.utf8.allSatisfy {
            $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "?")
                && $0 != UInt8(ascii: "#")
        }
        return allowed && !name.isEmpty ? name : nil
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { try? Syscall.send(fd, $0) }
            guard case .processed(let count)? = result, count > 0 else { return false }
            offset += count
        }
        return true
    }

    private static func readAll(_ fd: Int32) -> [UInt8]? {
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while response.count <= maxResponseBytes {
            let result = buffer.withUnsafeMutableBytes { try? Syscall.read(fd, into: $0) }
            guard case .processed(let count)? = result else { return nil }
            if count == 0 { return response }
            response.append(contentsOf: buffer[0..<count])
        }
        return nil
    }
}

struct DaemonClientError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
