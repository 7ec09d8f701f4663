#if canImport(Glibc)
import Glibc
#endif

/// Opens connections to the Docker daemon's unix socket.
public struct UpstreamConnector: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Connects and returns a non-blocking descriptor.
    ///
    /// The connect itself is blocking with a send timeout: on a unix socket it completes at once
    /// unless the daemon's backlog is full, and a non-blocking connect there would fail with
    /// `EAGAIN` instead of waiting (unix(7)).
    public func connect() throws(SystemError) -> Int32 {
        try connect(blocking: false, timeoutSeconds: 0)
    }

    /// A blocking connection whose reads and writes give up after `timeoutSeconds` (for short
    /// side questions to the daemon), or a non-blocking one for the event loop.
    public func connect(blocking: Bool, timeoutSeconds: Int) throws(SystemError) -> Int32 {
        let fd = try Syscall.streamSocket(family: AF_UNIX)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes.prefix(raw.count - 1))
        }
        do {
            try Syscall.connect(fd, unixAddress: address)
        } catch {
            Syscall.close(fd)
            throw SystemError(call: "connect(\(path))", errno: error.errno)
        }
        timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if blocking {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }
        do {
            try Syscall.setNonBlocking(fd)
        } catch {
            Syscall.close(fd)
            throw error
        }
        return fd
    }
}
