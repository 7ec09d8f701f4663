#if canImport(Glibc)
import Glibc
#endif
import DockgateDocker
import DockgateHTTP
import DockgateIO

/// Asks the daemon whether a container runs with host privileges, before a restricted user may
/// exec into it, attach to it or write files into it (THREATS X-03, X-06): code running in an
/// administrator's privileged or host-namespace container is root on the host, whoever started it.
///
/// The same inspect answers, before start and restart, which host paths the container binds.
///
/// The question is a blocking `GET /containers/{id}/json` on a connection of its own, bounded by
/// a short timeout. It is asked only for those few actions of non-privileged policies.
struct ContainerEscalationCheck: Sendable {
    let socketPath: String
    static let timeoutSeconds = 2
    static let maxResponseBytes = 4 * 1024 * 1024

    enum Outcome: Equatable {
        case ordinary
        /// Why the container is out of bounds for a restricted user.
        case escalated(String)
        /// The daemon does not know it (it will answer 404 itself).
        case unknown
        case unavailable(String)
    }

    /// A container's `HostConfig` as the daemon stores it.
    enum Lookup {
        case found(JSONObject)
        /// The daemon does not know it (it will answer 404 itself).
        case unknown
        case unavailable(String)
    }

    func inspect(container: String) -> Outcome {
        switch hostConfig(of: container) {
        case .found(let hostConfig): Self.judge(hostConfig)
        case .unknown: .unknown
        case .unavailable(let why): .unavailable(why)
        }
    }

    /// Also asked before start and restart, where the container's binds are judged again
    /// (`PolicyEngine.recheckBinds`).
    func hostConfig(of container: String) -> Lookup {
        guard let encoded = Self.pathSegment(container) else { return .unknown }
        switch inspect(path: "/containers/\(encoded)/json") {
        case .found(let object):
            guard case .object(let hostConfig)? = object.member("HostConfig") else { return .unavailable("unreadable inspect response") }
            return .found(hostConfig)
        case .unknown: return .unknown
        case .unavailable(let why): return .unavailable(why)
        }
    }

    /// One blocking `GET path` on a connection of its own; the JSON object the daemon answered.
    /// Also used off the event loops for an exec's exit code (`ExecExitCode`).
    func inspect(path: String) -> Lookup {
        let fd: Int32
        do {
            fd = try UpstreamConnector(path: socketPath).connect(blocking: true, timeoutSeconds: Self.timeoutSeconds)
        } catch {
            return .unavailable("\(error)")
        }
        defer { Syscall.close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: dockgate\r\nConnection: close\r\n\r\n".utf8)
        guard Self.writeAll(fd, request) else { return .unavailable("cannot send the inspect request") }
        guard let response = Self.readAll(fd) else { return .unavailable("no answer to the inspect request") }
        var parser = ResponseHeadParser()
        guard let head = try? parser.parse(response[...], requestMethod: "GET") else {
            return .unavailable("malformed inspect response")
        }
        if head.status == 404 { return .unknown }
        guard head.status == 200 else { return .unavailable("inspect answered \(head.status)") }
        let raw = Array(response[head.headLength...])
        let body = head.framing == .chunked ? ChunkedBodyDecoder.decode(raw) : raw
        guard let body, case .object(let object)? = try? StrictJSONReader(rejectFoldedDuplicates: false).read(body) else {
            return .unavailable("unreadable inspect response")
        }
        return .found(object)
    }

    /// The container facts that make code inside it host-root.
    static func judge(_ hostConfig: JSONObject) -> Outcome {
        if case .bool(true)? = hostConfig.member("Privileged") { return .escalated("it is privileged") }
        for field in ["PidMode", "NetworkMode", "IpcMode", "UsernsMode", "UTSMode"] {
            if case .string("host")? = hostConfig.member(field) { return .escalated("it shares the host's \(field)") }
        }
        for field in ["CapAdd", "Devices", "DeviceRequests"] {
            if case .array(let items)? = hostConfig.member(field), !items.isEmpty { return .escalated("it has \(field)") }
        }
        return .ordinary
    }

    /// Container names and ids never contain "/" or controls; anything else is not looked up.
    static func pathSegment(_ name: String) -> String? {
        let allowed = name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
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
