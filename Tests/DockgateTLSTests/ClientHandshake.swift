#if canImport(Glibc)
import Glibc
#endif
import DockgateTLS
import Foundation

/// One real mutual-TLS handshake: `openssl s_client` (the independent client) connects over a unix
/// socket, and the server side is a `TLSSession` from the `ServerContext` under test, driven on a
/// blocking socket so each step either completes or fails.
enum ClientHandshake {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    enum Outcome {
        case accepted(commonName: String)
        case refused(reason: String)
    }

    static func run(context: ServerContext, certificate: String, key: String, caCertificate: String) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dgtls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/s.sock"
        let listener = try listen(on: socketPath)
        defer { close(listener) }

        let client = Process()
        client.executableURL = URL(fileURLWithPath: OpenSSLBinary.path)
        client.arguments = ["s_client", "-unix", socketPath, "-cert", certificate, "-key", key, "-CAfile", caCertificate]
        client.standardInput = FileHandle.nullDevice
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        defer {
            if client.isRunning { kill(client.processIdentifier, SIGKILL) }
            client.waitUntilExit()
        }

        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 20_000) == 1 else { throw Failure(description: "s_client did not connect within 20 s") }
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { throw Failure(description: "accept: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // A client that stops mid-handshake fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let session = try context.makeSession(fd: fd)
        switch session.handshake() {
        case .complete:
            guard let identity = session.peerIdentity() else { return .refused(reason: "no verified identity") }
            return .accepted(commonName: identity.commonName)
        case .failed(let error):
            return .refused(reason: session.verifyFailureReason ?? "\(error)")
        case .closedByPeer:
            return .refused(reason: session.verifyFailureReason ?? "closed by the client")
        case .wantsRead, .wantsWrite:
            throw Failure(description: "a blocking handshake asked to wait")
        }
    }

    private static func listen(on path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 1) == 0 else {
            close(fd)
            throw Failure(description: "bind/listen on \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }
}

/// The `openssl` command, used as an independent client and to issue test leaves with chosen extensions.
enum OpenSSLBinary {
    static let path: String = {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            .split(separator: ":").map { String($0) + "/openssl" } + ["/usr/bin/openssl"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/openssl"
    }()

    /// Runs `openssl arguments...` and throws with its error output unless it succeeds.
    static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ClientHandshake.Failure(description: "openssl \(arguments.joined(separator: " ")): \(text)")
        }
    }

    /// A client leaf (CN `name`, CA:FALSE, digitalSignature) signed by the PKI's CA, with exactly
    /// the extra extension lines given (e.g. "extendedKeyUsage = serverAuth"). Returns (cert, key).
    static func issueLeaf(name: String, commonName: String? = nil, extraExtensions: [String], caCertificate: String,
                          caKey: String, in directory: String) throws -> (certificate: String, key: String) {
        let base = directory + "/" + name
        let extensions = ["basicConstraints = critical,CA:FALSE", "keyUsage = critical,digitalSignature"] + extraExtensions
        try extensions.joined(separator: "\n").appending("\n").write(toFile: base + ".ext", atomically: true, encoding: .utf8)
        try run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-utf8",
                 "-subj", "/CN=\(commonName ?? name)", "-keyout", base + "-key.pem", "-out", base + ".csr"])
        try run(["x509", "-req", "-in", base + ".csr", "-CA", caCertificate, "-CAkey", caKey, "-set_serial", "\(Int.random(in: 1...1_000_000_000))",
                 "-days", "1", "-sha256", "-extfile", base + ".ext", "-out", base + "-cert.pem"])
        return (base + "-cert.pem", base + "-key.pem")
    }
}
