#if canImport(Glibc)
import Glibc
#endif

/// A bound `AF_UNIX` datagram socket standing in for the receiving end of `sd_notify` or journald.
public final class UnixDatagramSocket {
    public let path: String
    public let fd: Int32
    /// False leaves the socket file behind after close: a path nobody reads (`ECONNREFUSED`).
    public var removesPathOnClose = true

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    public init(bindingTo path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(description: "path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw Failure(description: "bind \(path): \(String(cString: strerror(error)))")
        }
        self.path = path
        self.fd = fd
    }

    deinit {
        close(fd)
        if removesPathOnClose { unlink(path) }
    }

    /// The next datagram, or nil when none arrives within `milliseconds`.
    public func receive(timeoutMilliseconds milliseconds: Int32 = 5_000) -> [UInt8]? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return Array(buffer[0..<count])
    }

    public func receiveText(timeoutMilliseconds milliseconds: Int32 = 5_000) -> String? {
        receive(timeoutMilliseconds: milliseconds).map { String(decoding: $0, as: UTF8.self) }
    }
}
