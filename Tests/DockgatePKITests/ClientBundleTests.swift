import Foundation
import Testing
@testable import DockgatePKI

@Suite("CertificateAuthority.issueClient")
struct ClientBundleTests {
    static let host = "tcp://127.0.0.1:2376"

    /// A client bundle must verify against the CA for purpose sslclient (also under -x509_strict,
    /// which Python's ssl enables), carry CN=NAME and clientAuth as its only EKU, and must NOT be
    /// usable as a server certificate.
    @Test func bundleVerifiesAsSSLClientOnly() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        let bundle = try authority.issueClient(name: "alice", host: Self.host)
        let certificate = bundle.directory + "/cert.pem"

        let verify = try OpenSSLTool.run(["verify", "-x509_strict", "-purpose", "sslclient",
                                          "-CAfile", bundle.directory + "/ca.pem", certificate])
        #expect(verify.status == 0, "\(verify.output)\(verify.errorOutput)")
        #expect(verify.output.contains(": OK"))
        let asServer = try OpenSSLTool.run(["verify", "-purpose", "sslserver", "-CAfile", pki.caCertificate, certificate])
        #expect(asServer.status != 0)

        let text = try OpenSSLTool.run(["x509", "-in", certificate, "-noout", "-subject", "-ext",
                                        "extendedKeyUsage,keyUsage,basicConstraints,subjectKeyIdentifier,authorityKeyIdentifier"]).output
        #expect(text.contains("subject=CN = alice\n"))
        #expect(text.contains("X509v3 Extended Key Usage: \n    TLS Web Client Authentication\n"))
        #expect(!text.contains("Server Authentication"))
        #expect(text.contains("X509v3 Key Usage: critical\n    Digital Signature\n"))
        #expect(text.contains("X509v3 Basic Constraints: critical\n    CA:FALSE"))
        #expect(text.contains("X509v3 Subject Key Identifier"))
        #expect(text.contains("X509v3 Authority Key Identifier"))
    }

    /// The bundle must have exactly the DOCKER_CERT_PATH layout plus `host`, with the key 0600,
    /// and the returned metadata must describe the certificate on disk.
    @Test func bundleLayoutAndMetadata() throws {
        let temporary = try TemporaryDirectory()
        let authority = try CertificateAuthority.initialize(temporary.pki, dnsNames: ["localhost"], ipAddresses: [])
        let bundle = try authority.issueClient(name: "ci_runner-01.example", days: 30, host: Self.host)

        #expect(bundle.directory == temporary.pki.clientBundle("ci_runner-01.example"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: bundle.directory)) == ["ca.pem", "cert.pem", "key.pem", "host"])
        #expect(FileMode.of(bundle.directory) == 0o700)
        #expect(FileMode.of(bundle.key) == 0o600)
        #expect(try String(contentsOfFile: bundle.hostFile, encoding: .utf8) == Self.host + "\n")
        #expect(try String(contentsOfFile: bundle.caCertificate, encoding: .utf8)
                == String(contentsOfFile: temporary.pki.caCertificate, encoding: .utf8))

        let summary = try parseCertificateSummary(pemFile: bundle.certificate)
        #expect(summary.commonName == "ci_runner-01.example")
        #expect(!summary.isCA)
        #expect(summary.serialHex == bundle.serialHex)
        #expect(summary.notAfter == bundle.notAfter)
        #expect(abs(bundle.notAfter.timeIntervalSinceNow - 30 * 86_400) < 120)
        // 128 random bits: 32 hex digits (BN_bn2hex may add a leading 0 nibble pair, never more).
        #expect((31...34).contains(bundle.serialHex.count))
    }

    /// Names that could escape clients/, hide, look like options or break the CN must be refused,
    /// and nothing may be written for them.
    @Test(arguments: ["../x", "", "with space", ".hidden", "-rf", "a/b", "x\n", "caf\u{e9}", String(repeating: "a", count: 65)])
    func refusesInvalidClientName(name: String) throws {
        let temporary = try TemporaryDirectory()
        let authority = try CertificateAuthority.initialize(temporary.pki, dnsNames: ["localhost"], ipAddresses: [])
        let error = #expect(throws: PKIError.self) { try authority.issueClient(name: name, host: Self.host) }
        if case .invalidClientName = error {} else { Issue.record("expected invalidClientName, got \(String(describing: error))") }
        let clients = (try? FileManager.default.contentsOfDirectory(atPath: temporary.pki.clientsDirectory)) ?? []
        #expect(clients.isEmpty)
    }

    /// Re-issuing an existing name must fail: the old certificate would stay valid under the same name.
    @Test func refusesDuplicateName() throws {
        let temporary = try TemporaryDirectory()
        let authority = try CertificateAuthority.initialize(temporary.pki, dnsNames: ["localhost"], ipAddresses: [])
        _ = try authority.issueClient(name: "bob", host: Self.host)
        let error = #expect(throws: PKIError.self) { try authority.issueClient(name: "bob", host: Self.host) }
        if case .clientExists = error {} else { Issue.record("expected clientExists, got \(String(describing: error))") }
    }

    /// Host strings that would break the one-line host file or the pasted shell lines are refused,
    /// as are validities that are non-positive or outlive the CA.
    @Test func refusesBadHostAndValidity() throws {
        let temporary = try TemporaryDirectory()
        let authority = try CertificateAuthority.initialize(temporary.pki, dnsNames: ["localhost"], ipAddresses: [])
        for host in ["", "tcp://a b", "tcp://x\n", "tcp://x'$(id)'"] {
            #expect(throws: PKIError.self) { try authority.issueClient(name: "h", host: host) }
        }
        for days in [0, -1, 3651] {
            #expect(throws: PKIError.self) { try authority.issueClient(name: "d", days: days, host: Self.host) }
        }
    }

    /// The pasted instructions must name the absolute bundle path and the docker files, quote
    /// paths that need it, and never contain key material.
    @Test func connectionInstructions() throws {
        let temporary = try TemporaryDirectory()
        let authority = try CertificateAuthority.initialize(temporary.pki, dnsNames: ["localhost"], ipAddresses: [])
        let bundle = try authority.issueClient(name: "alice", host: Self.host)
        let text = bundle.connectionInstructions(host: Self.host)
        #expect(text.contains("export DOCKER_HOST=tcp://127.0.0.1:2376\n"))
        #expect(text.contains("export DOCKER_TLS_VERIFY=1\n"))
        #expect(text.contains("export DOCKER_CERT_PATH=\(bundle.directory)\n"))
        #expect(text.contains("docker context create alice --docker \"host=tcp://127.0.0.1:2376,ca=\(bundle.directory)/ca.pem,cert=\(bundle.directory)/cert.pem,key=\(bundle.directory)/key.pem\""))
        #expect(!text.contains("PRIVATE KEY"))

        let spaced = ClientBundle(directory: "/tmp/my pki/clients/x", name: "x", serialHex: "01",
                                  sha256Fingerprint: "", notAfter: Date())
        let spacedText = spaced.connectionInstructions(host: Self.host)
        #expect(spacedText.contains("export DOCKER_CERT_PATH='/tmp/my pki/clients/x'\n"))
        #expect(spacedText.contains("docker context create dockgate-x --docker 'host="))
    }

    /// A relative PKI root must still yield an absolute bundle path for DOCKER_CERT_PATH.
    @Test func relativeRootGivesAbsoluteBundlePath() throws {
        let temporary = try TemporaryDirectory()
        let relative = PKIDirectory(root: ".").absoluteRoot
        #expect(relative == FileManager.default.currentDirectoryPath)
        #expect(PKIDirectory(root: temporary.path + "/./pki/../pki").absoluteRoot == temporary.path + "/pki")
    }
}
