import Foundation
import Testing
@testable import DockgatePKI

@Suite("CertificateAuthority.revoke and crl.pem")
struct RevocationTests {
    static let host = "tcp://127.0.0.1:2376"

    /// Revoking by name must revoke every unrevoked certificate with that CN (and nobody else's),
    /// record the date in index.json, move the bundle aside so the name can be issued again, and
    /// refuse a second revocation of the same name once nothing is left to revoke.
    @Test func revokeByNameRevokesThatClientOnly() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        let alice = try authority.issueClient(name: "alice", host: Self.host)
        let bob = try authority.issueClient(name: "bob", host: Self.host)

        let revoked = try authority.revoke(nameOrSerial: "alice")
        #expect(revoked.map(\.serialHex) == [alice.serialHex])
        #expect(revoked.allSatisfy { $0.revoked && $0.revokedAt != nil })
        let issued = try authority.listIssued()
        #expect(issued.first { $0.serialHex == alice.serialHex }?.revoked == true)
        #expect(issued.first { $0.serialHex == bob.serialHex }?.revoked == false)
        if let revokedAt = revoked.first?.revokedAt { #expect(abs(revokedAt.timeIntervalSinceNow) < 60) }

        // The old bundle is kept, out of the way; alice can get a new one, and revoking "alice"
        // again hits only that new certificate.
        #expect(FileManager.default.fileExists(atPath: pki.clientsDirectory + "/.revoked/alice-" + alice.serialHex + "/cert.pem"))
        let second = try authority.issueClient(name: "alice", host: Self.host)
        #expect(try authority.revoke(nameOrSerial: "alice").map(\.serialHex) == [second.serialHex])
        let error = #expect(throws: PKIError.self) { try authority.revoke(nameOrSerial: "alice") }
        if case .alreadyRevoked = error {} else { Issue.record("expected alreadyRevoked, got \(String(describing: error))") }
    }

    /// Revoking by serial must accept the forms operators copy from `pki list` and openssl
    /// (upper case, colons, leading zeros) and revoke exactly that certificate.
    @Test func revokeBySerial() throws {
        let temporary = try TemporaryDirectory()
        let authority = try CertificateAuthority.initialize(temporary.pki, dnsNames: ["localhost"], ipAddresses: [])
        let first = try authority.issueClient(name: "ci-1", host: Self.host)
        let other = try authority.issueClient(name: "ci-2", host: Self.host)
        let digits = Array(first.serialHex.count % 2 == 0 ? first.serialHex : "0" + first.serialHex)
        let pairs = stride(from: 0, to: digits.count, by: 2).map { String(digits[$0..<$0 + 2]) }
        let typed = "00:" + pairs.joined(separator: ":").uppercased()  // as `openssl x509 -text` prints it

        let revoked = try authority.revoke(nameOrSerial: typed)
        #expect(revoked.map(\.commonName) == ["ci-1"])
        #expect(try authority.listIssued().filter(\.revoked).map(\.serialHex) == [first.serialHex])
        #expect(try authority.listIssued().first { $0.serialHex == other.serialHex }?.revoked == false)
    }

    /// crl.pem must be a v2 CRL issued by the CA, signed with SHA-256 by the CA key, listing the
    /// revoked serial, with an authority key identifier, a CRL number and a 30-day nextUpdate,
    /// as the openssl binary reads it.
    @Test func crlListsRevokedSerialAsOpenSSLReadsIt() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        let bundle = try authority.issueClient(name: "mallory", host: Self.host)
        _ = try authority.revoke(nameOrSerial: "mallory")

        let text = try OpenSSLTool.run(["crl", "-in", pki.crl, "-noout", "-text"])
        #expect(text.status == 0, "\(text.errorOutput)")
        #expect(text.output.contains("Version 2 (0x1)"))
        #expect(text.output.contains("Signature Algorithm: ecdsa-with-SHA256"))
        #expect(text.output.contains("Issuer: CN = dockgate CA"))
        #expect(text.output.contains("X509v3 Authority Key Identifier"))
        #expect(text.output.contains("X509v3 CRL Number"))
        #expect(text.output.uppercased().contains("SERIAL NUMBER: " + bundle.serialHex.uppercased()))
        #expect(text.output.components(separatedBy: "Serial Number:").count == 2)  // exactly one entry

        let signature = try OpenSSLTool.run(["crl", "-in", pki.crl, "-noout", "-CAfile", pki.caCertificate])
        #expect(signature.status == 0 && (signature.output + signature.errorOutput).contains("verify OK"),
                "\(signature.output)\(signature.errorOutput)")

        let next = try OpenSSLTool.run(["crl", "-in", pki.crl, "-noout", "-nextupdate", "-dateopt", "iso_8601"]).output
        let formatter = ISO8601DateFormatter()
        let value = next.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "nextUpdate=", with: "")
        let nextUpdate = try #require(formatter.date(from: value.replacingOccurrences(of: " ", with: "T")), "\(next)")
        #expect(abs(nextUpdate.timeIntervalSinceNow - 30 * 86_400) < 120)
        #expect(FileMode.of(pki.crl) == 0o644)
    }

    /// With CRL checking, OpenSSL must reject the revoked client certificate as revoked and still
    /// accept a client that was not revoked; this is exactly the check the proxy makes.
    @Test func verifyWithCRLRejectsOnlyTheRevokedCertificate() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        let revoked = try authority.issueClient(name: "leaver", host: Self.host)
        let kept = try authority.issueClient(name: "stayer", host: Self.host)
        let revokedCertificate = revoked.certificate  // read before revoke moves the bundle
        let revokedCopy = temporary.path + "/leaver-cert.pem"
        try FileManager.default.copyItem(atPath: revokedCertificate, toPath: revokedCopy)
        _ = try authority.revoke(nameOrSerial: revoked.serialHex)

        let rejected = try OpenSSLTool.run(["verify", "-crl_check", "-CRLfile", pki.crl, "-CAfile", pki.caCertificate, revokedCopy])
        #expect(rejected.status != 0)
        #expect((rejected.output + rejected.errorOutput).contains("certificate revoked"), "\(rejected.output)\(rejected.errorOutput)")
        let accepted = try OpenSSLTool.run(["verify", "-crl_check", "-CRLfile", pki.crl, "-CAfile", pki.caCertificate, kept.certificate])
        #expect(accepted.status == 0, "\(accepted.output)\(accepted.errorOutput)")
    }

    /// Every CRL written must carry a larger CRL number than the one before (RFC 5280 §5.2.3),
    /// and the number must survive in index.json between commands.
    @Test func crlNumberIncreasesWithEveryCRL() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        #expect(try Self.crlNumber(pki.crl) == 1)
        _ = try authority.issueClient(name: "a1", host: Self.host)
        _ = try authority.issueClient(name: "a2", host: Self.host)
        _ = try authority.revoke(nameOrSerial: "a1")
        #expect(try Self.crlNumber(pki.crl) == 2)
        _ = try CertificateAuthority.load(pki).revoke(nameOrSerial: "a2")
        #expect(try Self.crlNumber(pki.crl) == 3)
        try CertificateAuthority.load(pki).regenerateCRL()
        #expect(try Self.crlNumber(pki.crl) == 4)
        // Regenerating keeps every revoked entry.
        let text = try OpenSSLTool.run(["crl", "-in", pki.crl, "-noout", "-text"]).output
        #expect(text.components(separatedBy: "Serial Number:").count == 3)
    }

    /// An unknown name or serial must fail with a message naming it, and change nothing on disk.
    @Test(arguments: ["nobody", "abcdef0123", "not a name!"])
    func unknownNameOrSerialFailsClearly(argument: String) throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        _ = try authority.issueClient(name: "alice", host: Self.host)
        let indexBefore = try Data(contentsOf: URL(fileURLWithPath: pki.index))
        let crlBefore = try Data(contentsOf: URL(fileURLWithPath: pki.crl))

        let error = #expect(throws: PKIError.self) { try authority.revoke(nameOrSerial: argument) }
        if case .unknownCertificate = error {} else { Issue.record("expected unknownCertificate, got \(String(describing: error))") }
        #expect(error?.description.contains(argument) == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: pki.index)) == indexBefore)
        #expect(try Data(contentsOf: URL(fileURLWithPath: pki.crl)) == crlBefore)
    }

    /// The server certificate must not be revoked by accident (by its serial or its CN), since that
    /// cuts off every client; `allowServer` makes it possible on purpose.
    @Test func serverCertificateNeedsAllowServer() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["docker.example"], ipAddresses: [])
        let server = try #require(try authority.listIssued().first { $0.kind == .server })
        for argument in [server.serialHex, "docker.example"] {
            let error = #expect(throws: PKIError.self) { try authority.revoke(nameOrSerial: argument) }
            if case .refusingToRevokeServer = error {} else { Issue.record("expected refusingToRevokeServer, got \(String(describing: error))") }
        }
        #expect(try authority.listIssued().allSatisfy { !$0.revoked })
        #expect(try authority.revoke(nameOrSerial: "docker.example", allowServer: true).map(\.serialHex) == [server.serialHex])
    }

    /// initialize must write an empty CRL (number 1, 0644) that openssl parses and that lets every
    /// issued client verify with CRL checking on, so the proxy can be given crl.pem from day one.
    @Test func initializeWritesAnEmptyCRL() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        #expect(FileMode.of(pki.crl) == 0o644)
        let text = try OpenSSLTool.run(["crl", "-in", pki.crl, "-noout", "-text"])
        #expect(text.status == 0, "\(text.errorOutput)")
        #expect(text.output.contains("No Revoked Certificates."))
        #expect(try Self.crlNumber(pki.crl) == 1)

        let bundle = try authority.issueClient(name: "alice", host: Self.host)
        let verify = try OpenSSLTool.run(["verify", "-crl_check", "-CRLfile", pki.crl, "-CAfile", pki.caCertificate, bundle.certificate])
        #expect(verify.status == 0, "\(verify.output)\(verify.errorOutput)")
    }

    /// A PKI made before revocation existed (index.json without crlNumber/revokedAt, no crl.pem)
    /// must still load, list and revoke; the first CRL then gets number 1.
    @Test func indexWithoutRevocationFieldsStillWorks() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        let bundle = try authority.issueClient(name: "old", host: Self.host)
        try FileManager.default.removeItem(atPath: pki.crl)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: pki.index))) as? [String: Any])
        json.removeValue(forKey: "crlNumber")
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: pki.index))

        let loaded = try CertificateAuthority.load(pki)
        #expect(try loaded.listIssued().count == 2)
        _ = try loaded.revoke(nameOrSerial: "old")
        #expect(try Self.crlNumber(pki.crl) == 1)
        let entries = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: pki.index))) as? [String: Any])?["certificates"] as? [[String: Any]]
        let entry = entries?.first { $0["serialHex"] as? String == bundle.serialHex }
        #expect(entry?["revoked"] as? Bool == true)
        #expect((entry?["revokedAt"] as? String)?.hasSuffix("Z") == true)
        #expect(entries?.first { $0["kind"] as? String == "server" }?["revokedAt"] == nil)
    }

    /// The cRLNumber extension's value, as `openssl crl -text` prints it.
    static func crlNumber(_ path: String) throws -> Int? {
        let lines = try OpenSSLTool.run(["crl", "-in", path, "-noout", "-text"]).output.split(separator: "\n")
        guard let label = lines.firstIndex(where: { $0.contains("X509v3 CRL Number") }), label + 1 < lines.count else { return nil }
        return Int(lines[label + 1].trimmingCharacters(in: .whitespaces))
    }
}
