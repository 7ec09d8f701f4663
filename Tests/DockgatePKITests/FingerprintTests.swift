import Foundation
import Testing
@testable import DockgatePKI

@Suite("fingerprints and summaries")
struct FingerprintTests {
    /// Fingerprints must be 64 lower-case hex digits equal to `openssl x509 -fingerprint -sha256`
    /// without colons, for the CA, the server and a client alike.
    @Test func fingerprintsMatchOpenSSL() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        let bundle = try authority.issueClient(name: "carol", host: "tcp://127.0.0.1:2376")

        for file in [pki.caCertificate, pki.serverCertificate, bundle.certificate] {
            let fingerprint = try certificateFingerprintSHA256(pem: String(contentsOfFile: file, encoding: .utf8))
            #expect(fingerprint.count == 64)
            #expect(fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
            let reference = try OpenSSLTool.run(["x509", "-in", file, "-noout", "-fingerprint", "-sha256"]).output
            let expected = reference.split(separator: "=").last.map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ":", with: "").lowercased()
            }
            #expect(fingerprint == expected)
        }
        #expect(try certificateFingerprintSHA256(pem: String(contentsOfFile: bundle.certificate, encoding: .utf8))
                == bundle.sha256Fingerprint)
        #expect(try authority.caFingerprintSHA256()
                == certificateFingerprintSHA256(pem: String(contentsOfFile: pki.caCertificate, encoding: .utf8)))
    }

    /// Serial numbers must read back as `openssl x509 -serial` prints them (case aside).
    @Test func serialMatchesOpenSSL() throws {
        let temporary = try TemporaryDirectory()
        let authority = try CertificateAuthority.initialize(temporary.pki, dnsNames: ["localhost"], ipAddresses: [])
        let bundle = try authority.issueClient(name: "dave", host: "tcp://127.0.0.1:2376")
        let reference = try OpenSSLTool.run(["x509", "-in", bundle.certificate, "-noout", "-serial"]).output
        #expect(reference.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "serial=" + bundle.serialHex)
    }

    /// Garbage input must be a thrown PKIError carrying OpenSSL's reason, never a crash.
    @Test func invalidPEMThrowsWithOpenSSLDetails() throws {
        let error = #expect(throws: PKIError.self) { try certificateFingerprintSHA256(pem: "not a certificate") }
        guard case let .openSSL(operation, details) = error else {
            Issue.record("expected .openSSL, got \(String(describing: error))")
            return
        }
        #expect(operation == "PEM_read_bio_X509")
        #expect(details.contains("no start line"))
        #expect(throws: PKIError.self) { try parseCertificateSummary(pemFile: "/nonexistent/cert.pem") }
    }
}
