/// An address dockgate listens on or connects to, written as a URL: `tcp://0.0.0.0:2376`,
/// `tcp://[::1]:2376`, `unix:///var/run/docker.sock`.
public enum SocketAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case unix(path: String)

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case invalid(String, reason: String)
        public var description: String {
            switch self {
            case .invalid(let text, let reason): "invalid address \"\(text)\": \(reason)"
            }
        }
    }

    public init(parsing text: String) throws(ParseError) {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw .invalid(text, reason: "a unix socket path must be absolute") }
            guard path.utf8.count < 108 else { throw .invalid(text, reason: "unix socket path longer than 107 bytes") }
            self = .unix(path: path)
            return
        }
        if text.hasPrefix("/") {
            self = try SocketAddress(parsing: "unix://" + text)
            return
        }
        guard text.hasPrefix("tcp://") else { throw .invalid(text, reason: "expected tcp://HOST:PORT or unix:///PATH") }
        let rest = Substring(text.dropFirst("tcp://".count))
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalid(text, reason: "unclosed [") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let afterHost = rest[rest.index(after: close)...]
            guard afterHost.hasPrefix(":") else { throw .invalid(text, reason: "missing :PORT") }
            portText = afterHost.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw .invalid(text, reason: "missing :PORT") }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard let port = UInt16(portText) else { throw .invalid(text, reason: "port must be 0-65535") }
        guard !host.isEmpty else { throw .invalid(text, reason: "missing host") }
        self = .tcp(host: String(host), port: port)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        case .unix(let path): "unix://\(path)"
        }
    }
}
