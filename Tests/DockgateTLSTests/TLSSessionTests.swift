#if canImport(Glibc)
import Glibc
#endif
import DockgatePKI
import DockgateTLS
import DockgateTestSupport
import Foundation
import Testing

/// A server `TLSSession` and an independent OpenSSL client over the two non-blocking ends of a
/// socket pair, driven step by step from the test's thread: wantsRead/wantsWrite are states that a
/// retry gets past, data of any size arrives whole, both ways of ending a stream read as its end,
/// a refused client certificate says why, and nothing is ever left on OpenSSL's error queue (which
/// is per thread, so both sides share it here).
@Suite struct TLSSessionTests {
    let pki: PKIDirectory
    let context: ServerContext

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dockgate-session-\(UUID().uuidString)").path
        pki = PKIDirectory(root: root)
        _ = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        context = try ServerContext(settings: ServerTLSSettings(
            certificatePath: pki.serverCertificate, keyPath: pki.serverKey, clientCAPath: pki.caCertificate))
    }

    /// Both ends of a connection: the server session, the client, and their descriptors.
    final class Connection {
        let serverFD: Int32
        let clientFD: Int32
        let server: TLSSession
        let client: TLSTestClient

        init(context: ServerContext, certificate: String, key: String, trusting ca: String, sendBuffer: Int32? = nil) throws {
            var ends: [Int32] = [-1, -1]
            try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0)
            serverFD = ends[0]
            clientFD = ends[1]
            for fd in ends {
                try #require(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0)
                // A small send buffer makes any large flight or write outgrow the socket.
                if var size = sendBuffer {
                    try #require(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size)) == 0)
                }
            }
            server = try context.makeSession(fd: serverFD)
            client = try TLSTestClient(fd: clientFD, certificate: certificate, key: key, trusting: ca)
        }

        deinit {
            close(serverFD)
            close(clientFD)
        }
    }

    /// What each side answered while the handshake was driven.
    struct HandshakeTrace {
        var server: [String] = []
        var client: [String] = []
        var serverFailure: TLSSessionError?
        var completed = false
    }

    /// Alternates one server step and one client step until both have completed or the server
    /// failed. Bounded: a handshake that stalls ends the loop with `completed == false`.
    private func driveHandshake(_ connection: Connection) -> HandshakeTrace {
        var trace = HandshakeTrace()
        var serverDone = false
        var clientDone = false
        for _ in 0..<500 where !(serverDone && clientDone) {
            if !serverDone {
                switch connection.server.handshake() {
                case .complete: serverDone = true; trace.server.append("complete")
                case .wantsRead: trace.server.append("wantsRead")
                case .wantsWrite: trace.server.append("wantsWrite")
                case .closedByPeer: trace.server.append("closedByPeer"); return trace
                case .failed(let error): trace.serverFailure = error; return trace
                }
            }
            if !clientDone {
                let step = connection.client.handshake()
                trace.client.append("\(step)")
                if case .complete = step { clientDone = true }
                if case .failed = step { return trace }
            }
        }
        trace.completed = serverDone && clientDone
        return trace
    }

    private func connect(sendBuffer: Int32? = nil) throws -> Connection {
        let bundle = try CertificateAuthority.load(pki).issueClient(name: "alice", host: "localhost")
        let connection = try Connection(context: context, certificate: bundle.certificate, key: bundle.key,
                                        trusting: pki.caCertificate, sendBuffer: sendBuffer)
        let trace = driveHandshake(connection)
        try #require(trace.completed, "handshake did not complete: \(trace)")
        return connection
    }

    /// The server asks to read before the ClientHello is there; the client, whose certificate
    /// flight (a leaf with ~30 KB of names) outgrows its small send buffer, asks to write until the
    /// server has read. Retrying each call as asked completes the handshake.
    @Test func handshakeRetriesAfterWantsReadAndWantsWrite() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        let label = String(repeating: "a", count: 60)
        let names = (0..<160).map { "DNS:n\($0).\(label).\(label).example" }.joined(separator: ",")
        let leaf = try OpenSSLBinary.issueLeaf(
            name: "large", extraExtensions: ["extendedKeyUsage = clientAuth", "subjectAltName = " + names],
            caCertificate: pki.caCertificate, caKey: pki.caKey, in: pki.root)
        let connection = try Connection(context: context, certificate: leaf.certificate, key: leaf.key,
                                        trusting: pki.caCertificate, sendBuffer: 4096)

        let trace = driveHandshake(connection)
        #expect(trace.completed, "\(trace)")
        #expect(trace.server.first == "wantsRead")
        #expect(trace.client.contains("wantsRead"))
        #expect(trace.client.contains("wantsWrite"), "the client flight fit the socket buffer: \(trace.client)")
        #expect(connection.server.peerIdentity()?.commonName == "large")
        #expect(connection.server.protocolVersion == "TLSv1.3")
        #expect(TLSTestClient.errorQueueIsEmpty)
    }

    /// 300 000 bytes each way (many 16 KB records) through send buffers of a few KB: writes stop at
    /// wantsWrite and are retried with the same bytes once the other side has read, and what arrives
    /// is exactly what was sent. The same bytes matter: after a wantsWrite OpenSSL has already taken
    /// records beyond the one still pending, and a retry reports them all at once (ssl3_write_bytes).
    @Test func dataLargerThanARecordAndTheSocketBufferArrivesWhole() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        let connection = try connect(sendBuffer: 4096)
        let sent = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        var buffer = [UInt8](repeating: 0, count: 65_536)

        // Server → client.
        var received: [UInt8] = []
        var offset = 0
        var wantsWriteCount = 0
        func clientReadsAll() {
            while case .complete(let count) = buffer.withUnsafeMutableBytes({ connection.client.read(into: $0) }) {
                received += buffer[0..<count]
            }
        }
        for _ in 0..<100_000 where offset < sent.count {
            switch sent.withUnsafeBytes({ connection.server.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
            case .complete(let count):
                offset += count
            case .wantsWrite:
                wantsWriteCount += 1
                clientReadsAll()
            case let other:
                Issue.record("server write: \(other)")
                return
            }
        }
        clientReadsAll()
        #expect(offset == sent.count)
        #expect(received == sent)
        #expect(wantsWriteCount > 0)

        // Client → server.
        var serverReceived: [UInt8] = []
        offset = 0
        wantsWriteCount = 0
        func serverReadsAll() {
            while case .complete(let count) = buffer.withUnsafeMutableBytes({ connection.server.read(into: $0) }) {
                serverReceived += buffer[0..<count]
            }
        }
        for _ in 0..<100_000 where offset < sent.count {
            switch sent.withUnsafeBytes({ connection.client.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
            case .complete(let count):
                offset += count
            case .wantsWrite:
                wantsWriteCount += 1
                serverReadsAll()
            case let other:
                Issue.record("client write: \(other)")
                return
            }
        }
        serverReadsAll()
        #expect(serverReceived == sent)
        #expect(wantsWriteCount > 0)
        #expect(!connection.server.hasFailed)
        #expect(TLSTestClient.errorQueueIsEmpty)
    }

    /// close_notify from the client reads as the end of the stream, and the server answers with its own.
    @Test func closeNotifyEndsTheStream() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        let connection = try connect()
        #expect(connection.client.sendCloseNotify() == .complete(0))
        var buffer = [UInt8](repeating: 0, count: 1024)
        guard case .closedByPeer = buffer.withUnsafeMutableBytes({ connection.server.read(into: $0) }) else {
            Issue.record("close_notify did not read as closedByPeer")
            return
        }
        #expect(!connection.server.hasFailed)
        guard case .complete = connection.server.sendCloseNotify() else {
            Issue.record("the server could not send its close_notify")
            return
        }
        #expect(buffer.withUnsafeMutableBytes { connection.client.read(into: $0) } == .closed)
        #expect(TLSTestClient.errorQueueIsEmpty)
    }

    /// A bare FIN at a record boundary (shutdown(SHUT_WR) without close_notify, as python clients
    /// half-close a hijacked stream) is an end of stream, not a failure: SSL_OP_IGNORE_UNEXPECTED_EOF.
    @Test func bareFINAfterARecordEndsTheStream() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        let connection = try connect()
        let tail: [UInt8] = Array("last bytes".utf8)
        #expect(tail.withUnsafeBytes { connection.client.write($0) } == .complete(tail.count))
        #expect(shutdown(connection.clientFD, Int32(SHUT_WR)) == 0)

        var buffer = [UInt8](repeating: 0, count: 1024)
        guard case .complete(let count) = buffer.withUnsafeMutableBytes({ connection.server.read(into: $0) }) else {
            Issue.record("the record before the FIN was not read")
            return
        }
        #expect(Array(buffer[0..<count]) == tail)
        guard case .closedByPeer = buffer.withUnsafeMutableBytes({ connection.server.read(into: $0) }) else {
            Issue.record("a bare FIN did not read as closedByPeer")
            return
        }
        #expect(!connection.server.hasFailed)
        #expect(TLSTestClient.errorQueueIsEmpty)
    }

    /// A client certificate issued by another CA is refused with OpenSSL's reason, the client is
    /// told (bad_certificate), and the session is never shut down gracefully afterwards.
    @Test func clientFromAnotherCAIsRefusedWithAReason() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        let other = PKIDirectory(root: pki.root + "-other")
        defer { try? FileManager.default.removeItem(atPath: other.root) }
        _ = try CertificateAuthority.initialize(other, dnsNames: ["localhost"], ipAddresses: [])
        let stranger = try CertificateAuthority.load(other).issueClient(name: "mallory", host: "localhost")
        let connection = try Connection(context: context, certificate: stranger.certificate, key: stranger.key,
                                        trusting: pki.caCertificate)

        let trace = driveHandshake(connection)
        guard case .handshakeFailed(let reason, _)? = trace.serverFailure else {
            Issue.record("the handshake was not refused: \(trace)")
            return
        }
        #expect(reason == "client certificate rejected: unable to get local issuer certificate (depth 0)")
        #expect(connection.server.verifyFailureReason == reason)
        #expect(connection.server.presentedSubject?.contains("mallory") == true)
        #expect(connection.server.peerIdentity() == nil)
        #expect(connection.server.hasFailed)
        guard case .complete = connection.server.sendCloseNotify() else {
            Issue.record("sendCloseNotify after a failure must do nothing and complete")
            return
        }
        // TLS 1.3: the client finished before the server judged its certificate; the alert comes next.
        var buffer = [UInt8](repeating: 0, count: 1024)
        let clientStep = buffer.withUnsafeMutableBytes { connection.client.read(into: $0) }
        guard case .failed(let clientReason) = clientStep else {
            Issue.record("the client was not told: \(clientStep)")
            return
        }
        #expect(clientReason.contains("bad certificate"), "\(clientReason)")
        #expect(TLSTestClient.errorQueueIsEmpty)
    }
}
