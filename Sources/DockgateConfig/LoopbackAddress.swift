#if canImport(Glibc)
import Glibc
#endif

/// Numeric loopback addresses only: a host name could resolve anywhere, and `0.0.0.0` or `::`
/// would expose an unauthenticated endpoint to the network.
enum LoopbackAddress {
    static func isLoopback(_ host: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            // 127.0.0.0/8 (RFC 1122 §3.2.1.3); s_addr is in network byte order.
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            return bytes == Array(repeating: 0, count: 15) + [1]
        }
        return false
    }
}
