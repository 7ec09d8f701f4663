#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import DockgateCore
import DockgateIO
import Synchronization
import Testing

/// `Listener` hands every accepted connection to its handler ready for the event loop
/// (non-blocking, close-on-exec) with the peer's address, and removes its unix socket file on close.
@Suite struct ListenerTests {
    /// Connections handed to `onAccept`, from the listener's queue to the test.
    private final class Accepted: Sendable {
        let connections = Mutex<[(fd: Int32, peer: PeerAddress)]>([])
        let arrived = DispatchSemaphore(value: 0)

        func handler() -> @Sendable (Int32, PeerAddress) -> Void {
            { fd, peer in
                self.connections.withLock { $0.append((fd, peer)) }
                self.arrived.signal()
            }
        }

        func next() throws -> (fd: Int32, peer: PeerAddress) {
            try #require(arrived.wait(timeout: .now() + 30) == .success, "no connection was accepted")
            return try #require(connections.withLock { $0.isEmpty ? nil : $0.removeFirst() })
        }
    }

    @Test func acceptsOnAUnixSocketAndRemovesItsFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/dockgate.sock"
        let accepted = Accepted()
        let listener = try Listener(bindingUnix: path, mode: 0o660, onAccept: accepted.handler())
        var status = stat()
        #expect(lstat(path, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o660)
        listener.start()

        let client = try UpstreamConnector(path: path).connect()
        defer { Syscall.close(client) }
        let connection = try accepted.next()
        defer { Syscall.close(connection.fd) }
        #expect(fcntl(connection.fd, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(connection.fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(connection.peer == PeerAddress(host: "local", port: 0))
        try expectConnected(client, connection.fd)

        listener.close()
        #expect(lstat(path, &status) == -1 && errno == ENOENT)
    }

    @Test func acceptsOnLoopbackTCPWithThePeerAddress() throws {
        let accepted = Accepted()
        let listener = try Listener(binding: .tcp(host: "127.0.0.1", port: 0), onAccept: accepted.handler())
        defer { listener.close() }
        let port = listener.boundPort
        try #require(port != 0)
        listener.start()

        let client = try Syscall.streamSocket(family: AF_INET)
        defer { Syscall.close(client) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(client, $0, &length) }
        }

        let connection = try accepted.next()
        defer { Syscall.close(connection.fd) }
        #expect(connection.peer == PeerAddress(host: "127.0.0.1", port: UInt16(bigEndian: local.sin_port)))
        #expect(fcntl(connection.fd, F_GETFL) & O_NONBLOCK != 0)
        var noDelay: Int32 = 0
        var optionLength = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(connection.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &optionLength) == 0 && noDelay == 1)
        try expectConnected(client, connection.fd)
    }

    /// Bytes sent on `client` arrive on the accepted (non-blocking) descriptor.
    private func expectConnected(_ client: Int32, _ accepted: Int32) throws {
        let message: [UInt8] = Array("hello".utf8)
        _ = try message.withUnsafeBytes { try Syscall.send(client, $0) }
        var poller = pollfd(fd: accepted, events: Int16(POLLIN), revents: 0)
        try #require(poll(&poller, 1, 30_000) == 1)
        var buffer = [UInt8](repeating: 0, count: 16)
        guard case .processed(let count) = try buffer.withUnsafeMutableBytes({ try Syscall.read(accepted, into: $0) }) else {
            Issue.record("readable, yet the read would block")
            return
        }
        #expect(Array(buffer[0..<count]) == message)
    }
}
