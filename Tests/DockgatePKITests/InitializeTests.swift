import Foundation
import Testing
@testable import DockgatePKI

@Suite("CertificateAuthority.initialize")
struct InitializeTests {
    /// initialize must create every file of the layout, keys 0600 and the directory 0700, and must
    /// refuse to replace an existing PKI unless forced (a new CA would orphan every client).
    @Test func createsAllFilesWithPrivateKeysAndRefusesToOverwrite() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        #expect(!pki.exists)
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])

        #expect(pki.exists)
        for file in [pki.caCertificate, pki.caKey, pki.serverCertificate, pki.serverKey, pki.index] {
            #expect(FileManager.default.fileExists(atPath: file), "missing \(file)")
        }
        #expect(FileMode.of(pki.root) == 0o700)
        #expect(FileMode.of(pki.caKey) == 0o600)
        #expect(FileMode.of(pki.serverKey) == 0o600)
        #expect(FileMode.of(pki.caCertificate) == 0o644)
        // No temporary files may survive a successful run.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: pki.root).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)

        let caBefore = try String(contentsOfFile: pki.caCertificate, encoding: .utf8)
        let error = #expect(throws: PKIError.self) {
            try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        }
        if case .alreadyInitialized = error {} else { Issue.record("expected alreadyInitialized, got \(String(describing: error))") }
        #expect(try String(contentsOfFile: pki.caCertificate, encoding: .utf8) == caBefore)

        let replaced = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [], force: true)
        #expect(try replaced.caFingerprintSHA256() != authority.caFingerprintSHA256())
    }

    /// Keys must be unencrypted PKCS#8 PEM, the only form the docker CLI reads for both EC and RSA.
    @Test(arguments: KeyAlgorithm.allCases)
    func keysArePKCS8Unencrypted(algorithm: KeyAlgorithm) throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        _ = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [], algorithm: algorithm)
        for key in [pki.caKey, pki.serverKey] {
            let text = try String(contentsOfFile: key, encoding: .utf8)
            #expect(text.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
            let check = try OpenSSLTool.run(["pkey", "-in", key, "-noout", "-passin", "pass:"])
            #expect(check.status == 0, "\(check.errorOutput)")
        }
    }

    /// The CA must be a v3, CA:TRUE (critical), keyCertSign+cRLSign, SHA-256 certificate valid for
    /// ten years, backdated five minutes for clock skew; otherwise verifiers reject the chain.
    @Test func authorityProfile() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        _ = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        let text = try OpenSSLTool.run(["x509", "-in", pki.caCertificate, "-noout", "-text"]).output
        #expect(text.contains("Version: 3 (0x2)"))
        #expect(text.contains("Signature Algorithm: ecdsa-with-SHA256"))
        #expect(text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0"))
        #expect(text.contains("X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"))
        #expect(text.contains("Subject: CN = dockgate CA "))

        let summary = try parseCertificateSummary(pemFile: pki.caCertificate)
        #expect(summary.isCA)
        #expect(summary.commonName.hasPrefix("dockgate CA"))
        let years = summary.notAfter.timeIntervalSinceNow / (365.25 * 86_400)
        #expect(years > 9.9 && years < 10.1)
        let notBefore = try Certificate.read(pemFile: pki.caCertificate).notBefore()
        #expect(abs(notBefore.timeIntervalSinceNow + 300) < 60)
    }

    /// A directory with unrelated files must not be taken over (and chmod-ed to 0700).
    @Test func refusesDirectoryWithForeignFiles() throws {
        let temporary = try TemporaryDirectory()
        let pki = PKIDirectory(root: temporary.path)
        _ = FileManager.default.createFile(atPath: temporary.path + "/notes.txt", contents: Data("x".utf8))
        #expect(throws: PKIError.self) {
            try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        }
        #expect(!pki.exists)
    }

    /// Bad server names must be refused before anything is written, since they end up in an
    /// OpenSSL extension string.
    @Test(arguments: [(["bad,name"], [String]()), ([], ["127.0.0.1,DNS:evil"]), ([], ["300.1.1.1"]), ([], [])])
    func refusesInvalidServerNames(dnsNames: [String], ipAddresses: [String]) throws {
        let temporary = try TemporaryDirectory()
        #expect(throws: PKIError.self) {
            try CertificateAuthority.initialize(temporary.pki, dnsNames: dnsNames, ipAddresses: ipAddresses)
        }
        #expect(!temporary.pki.exists)
    }

    /// load must return a CA that issues, and must notice a key that does not belong to ca.pem.
    @Test func loadChecksKeyAgainstCertificate() throws {
        let first = try TemporaryDirectory(), second = try TemporaryDirectory()
        _ = try CertificateAuthority.initialize(first.pki, dnsNames: ["localhost"], ipAddresses: [])
        _ = try CertificateAuthority.initialize(second.pki, dnsNames: ["localhost"], ipAddresses: [])
        let loaded = try CertificateAuthority.load(first.pki)
        #expect(loaded.keyAlgorithm == .ecP256)
        _ = try loaded.issueClient(name: "after-load", host: "tcp://127.0.0.1:2376")

        try FileManager.default.removeItem(atPath: first.pki.caKey)
        try FileManager.default.copyItem(atPath: second.pki.caKey, toPath: first.pki.caKey)
        #expect(throws: PKIError.self) { try CertificateAuthority.load(first.pki) }

        // An encrypted key must fail at once instead of prompting for a passphrase on the terminal.
        let encrypted = try OpenSSLTool.run(["pkey", "-in", second.pki.caKey, "-aes256", "-passout", "pass:secret",
                                             "-out", first.pki.caKey + ".enc"])
        #expect(encrypted.status == 0)
        try FileManager.default.removeItem(atPath: first.pki.caKey)
        try FileManager.default.moveItem(atPath: first.pki.caKey + ".enc", toPath: first.pki.caKey)
        let encryptedError = #expect(throws: PKIError.self) { try CertificateAuthority.load(first.pki) }
        if case .openSSL = encryptedError {} else { Issue.record("expected .openSSL, got \(String(describing: encryptedError))") }

        let missing = try TemporaryDirectory()
        #expect(throws: PKIError.self) { try CertificateAuthority.load(missing.pki) }
    }
}
