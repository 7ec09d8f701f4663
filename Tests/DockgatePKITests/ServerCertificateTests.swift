import Foundation
import Testing
@testable import DockgatePKI

@Suite("server certificate")
struct ServerCertificateTests {
    /// The server certificate must carry every given DNS name and IP as a SAN (Go's crypto/tls
    /// ignores the CN), use the first DNS name as CN, and be valid for sslserver only.
    @Test func carriesGivenSubjectAlternativeNames() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        _ = try CertificateAuthority.initialize(pki, dnsNames: ["docker.example.com", "localhost", "*.swarm.example"],
                                                ipAddresses: ["127.0.0.1", "10.0.0.7", "::1"])
        let text = try OpenSSLTool.run(["x509", "-in", pki.serverCertificate, "-noout", "-subject", "-ext",
                                        "subjectAltName,extendedKeyUsage,keyUsage,basicConstraints"]).output
        #expect(text.contains("subject=CN = docker.example.com\n"))
        #expect(text.contains("DNS:docker.example.com, DNS:localhost, DNS:*.swarm.example, IP Address:127.0.0.1, IP Address:10.0.0.7, IP Address:0:0:0:0:0:0:0:1"))
        #expect(text.contains("TLS Web Server Authentication\n"))
        #expect(!text.contains("Client Authentication"))
        #expect(text.contains("X509v3 Key Usage: critical\n    Digital Signature\n"))
        #expect(text.contains("CA:FALSE"))

        let verify = try OpenSSLTool.run(["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", pki.caCertificate,
                                          "-verify_hostname", "localhost", pki.serverCertificate])
        #expect(verify.status == 0, "\(verify.output)\(verify.errorOutput)")
        let wrongHost = try OpenSSLTool.run(["verify", "-CAfile", pki.caCertificate, "-verify_hostname", "other.example",
                                             pki.serverCertificate])
        #expect(wrongHost.status != 0)
        let ip = try OpenSSLTool.run(["verify", "-CAfile", pki.caCertificate, "-verify_ip", "10.0.0.7", pki.serverCertificate])
        #expect(ip.status == 0)
    }

    /// An IP-only server certificate is allowed; its CN falls back to the first IP.
    @Test func ipOnlyServer() throws {
        let temporary = try TemporaryDirectory()
        _ = try CertificateAuthority.initialize(temporary.pki, dnsNames: [], ipAddresses: ["192.0.2.10"])
        #expect(try parseCertificateSummary(pemFile: temporary.pki.serverCertificate).commonName == "192.0.2.10")
    }

    /// Both key algorithms must give a PKI that completes a real mutual-TLS handshake: server key
    /// matches server certificate, hostname verifies, the client certificate is demanded and
    /// accepted. RSA server certificates additionally carry keyEncipherment.
    @Test(arguments: KeyAlgorithm.allCases)
    func mutualTLSHandshakeWorks(algorithm: KeyAlgorithm) throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"],
                                                            algorithm: algorithm)
        _ = try authority.issueClient(name: "tester", host: "tcp://127.0.0.1:2376")

        let keyText = try OpenSSLTool.run(["x509", "-in", pki.serverCertificate, "-noout", "-text"]).output
        switch algorithm {
        case .ecP256:
            #expect(keyText.contains("id-ecPublicKey") && keyText.contains("NIST CURVE: P-256"))
            #expect(!keyText.contains("Key Encipherment"))
        case .rsa2048:
            #expect(keyText.contains("rsaEncryption") && keyText.contains("(2048 bit)"))
            #expect(keyText.contains("sha256WithRSAEncryption"))
            #expect(keyText.contains("Digital Signature, Key Encipherment"))
        }
        let clientText = try OpenSSLTool.run(["x509", "-in", pki.clientBundle("tester") + "/cert.pem", "-noout", "-text"]).output
        #expect(clientText.contains(algorithm == .ecP256 ? "id-ecPublicKey" : "rsaEncryption"))

        let result = try TLSHandshake.run(pki: pki, client: "tester", socketPath: temporary.path + "/tls.sock",
                                          hostname: "localhost")
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("HTTP/1.0 200 ok"), "\(result.output)\(result.errorOutput)")
        #expect(result.errorOutput.contains("verify return:1"))
    }
}
