#if canImport(Glibc)
import Glibc
#endif
import DockgateIO
import Testing

/// Connecting to the daemon's unix socket: a listening socket gives a ready descriptor; a missing
/// path and a socket nobody listens on (a daemon that died) give errors that name the path and
/// the reason.
@Suite struct UpstreamConnectorTests {
    /// A listening unix socket at `path`, made by hand so the connector is tested against the kernel
    /// alone.
    private static func listen(at path: String) throws -> Int32 {
        let fd = try Syscall.streamSocket(family: AF_UNIX)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0 && Glibc.listen(fd, 4) == 0)
        return fd
    }

    @Test func connectsNonBlockingToAListeningSocket() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/docker.sock"
        let listener = try Self.listen(at: path)
        defer { Syscall.close(listener) }

        let fd = try UpstreamConnector(path: path).connect()
        defer { Syscall.close(fd) }
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)

        let accepted = accept(listener, nil, nil)
        try #require(accepted >= 0)
        defer { Syscall.close(accepted) }
        let message: [UInt8] = Array("GET /_ping HTTP/1.1\r\n\r\n".utf8)
        guard case .processed(message.count) = try message.withUnsafeBytes({ try Syscall.send(fd, $0) }) else {
            Issue.record("the request was not sent whole")
            return
        }
        var buffer = [UInt8](repeating: 0, count: message.count)
        let count = buffer.withUnsafeMutableBytes { recv(accepted, $0.baseAddress, $0.count, Int32(MSG_WAITALL)) }
        #expect(count == message.count)
        #expect(buffer == message)
    }

    /// A blocking connection for side questions keeps its reads and writes bounded.
    @Test func blockingConnectionHasTimeouts() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/docker.sock"
        let listener = try Self.listen(at: path)
        defer { Syscall.close(listener) }

        let fd = try UpstreamConnector(path: path).connect(blocking: true, timeoutSeconds: 3)
        defer { Syscall.close(fd) }
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK == 0)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            var timeout = timeval()
            var length = socklen_t(MemoryLayout<timeval>.size)
            #expect(getsockopt(fd, SOL_SOCKET, option, &timeout, &length) == 0)
            #expect(timeout.tv_sec == 3)
        }
    }

    @Test func missingSocketIsNoSuchFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/missing.sock"
        #expect(throws: SystemError(call: "connect(\(path))", errno: ENOENT)) { try UpstreamConnector(path: path).connect() }
        do {
            _ = try UpstreamConnector(path: path).connect()
        } catch {
            #expect(error.description == "connect(\(path)): No such file or directory")
        }
    }

    /// The socket file of a daemon that died: the path exists, nobody accepts.
    @Test func socketWithoutListenerIsConnectionRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/stale.sock"
        Syscall.close(try Self.listen(at: path))
        #expect(throws: SystemError(call: "connect(\(path))", errno: ECONNREFUSED)) { try UpstreamConnector(path: path).connect() }
        do {
            _ = try UpstreamConnector(path: path).connect()
        } catch {
            #expect(error.description == "connect(\(path)): Connection refused")
        }
    }
}
