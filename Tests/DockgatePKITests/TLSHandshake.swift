import Foundation
import DockgatePKI

/// A real mutual-TLS exchange between `openssl s_server` and `openssl s_client` over a unix socket
/// (no TCP port to collide with parallel tests). It proves more than `openssl verify`: the keys
/// match their certificates, the server certificate is accepted for the host name, and the server
/// demands and accepts the client certificate.
enum TLSHandshake {
    /// Returns s_client's result after sending one HTTP request to `s_server -www`.
    static func run(pki: PKIDirectory, client: String, socketPath: String, hostname: String) throws -> OpenSSLTool.Result {
        let server = try OpenSSLTool.start([
            "s_server", "-unix", socketPath, "-naccept", "1", "-www",
            "-cert", pki.serverCertificate, "-key", pki.serverKey,
            "-CAfile", pki.caCertificate, "-Verify", "1", "-verify_return_error",
        ])
        defer {
            if server.isRunning { server.terminate() }  // SIGTERM to this PID only
            server.waitUntilExit()
            unlink(socketPath)
        }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socketPath), server.isRunning, Date() < deadline {
            usleep(20_000)
        }
        let bundle = pki.clientBundle(client)
        // s_server creates the socket file at bind() but listens a moment later; a connect in
        // between is refused and does not use up -naccept 1, so it is simply retried.
        var attempt = 0
        while true {
            let result = try connect(bundle: bundle, socketPath: socketPath, hostname: hostname)
            attempt += 1
            guard result.status != 0, result.errorOutput.contains("connect:errno"), server.isRunning, attempt < 50 else {
                return result
            }
            usleep(50_000)
        }
    }

    private static func connect(bundle: String, socketPath: String, hostname: String) throws -> OpenSSLTool.Result {
        try OpenSSLTool.run([
            "s_client", "-unix", socketPath, "-ign_eof",
            "-cert", bundle + "/cert.pem", "-key", bundle + "/key.pem",
            "-CAfile", bundle + "/ca.pem", "-verify_return_error",
            "-verify_hostname", hostname, "-servername", hostname,
        ], input: "GET / HTTP/1.0\r\n\r\n")
    }
}
