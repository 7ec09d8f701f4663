#if canImport(Glibc)
import Glibc
#endif

/// The numeric host and port of a socket peer, for logs and audit records.
public struct PeerAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    init(storage: sockaddr_storage) {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            let (address, port) = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ($0.pointee.sin_addr, $0.pointee.sin_port) }
            }
            var addr = address
            inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
            self.init(host: Self.string(text), port: UInt16(bigEndian: port))
        case AF_INET6:
            let (address, port) = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ($0.pointee.sin6_addr, $0.pointee.sin6_port) }
            }
            var addr = address
            inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
            // A dual-stack socket (systemd's BindIPv6Only=both) shows IPv4 clients as ::ffff:a.b.c.d.
            let host = Self.string(text)
            let mapped = host.hasPrefix("::ffff:") && host.contains(".") ? String(host.dropFirst("::ffff:".count)) : host
            self.init(host: mapped, port: UInt16(bigEndian: port))
        default:
            self.init(host: "local", port: 0)
        }
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
