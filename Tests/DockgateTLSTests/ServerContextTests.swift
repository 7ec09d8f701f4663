import DockgatePKI
import DockgateTLS
import Foundation
import Testing

/// A fresh PKI in a temporary folder, made with the same code `dockgate pki init` uses.
private func makePKI(_ name: String) throws -> PKIDirectory {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dockgate-tls-\(name)-\(UUID().uuidString)").path
    let directory = PKIDirectory(root: root)
    _ = try CertificateAuthority.initialize(directory, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
    return directory
}

/// A matching certificate, key and CA bundle build a server context.
@Test func loadsAMatchingCertificateAndKey() throws {
    let pki = try makePKI("ok")
    defer { try? FileManager.default.removeItem(atPath: pki.root) }
    let context = try ServerContext(
        settings: ServerTLSSettings(certificatePath: pki.serverCertificate, keyPath: pki.serverKey, clientCAPath: pki.caCertificate))
    #expect(context.settings.clientCAPath == pki.caCertificate)
}

/// A key that belongs to another certificate is refused at load time, not at the first handshake.
@Test func refusesAKeyThatDoesNotMatch() throws {
    let first = try makePKI("a")
    let second = try makePKI("b")
    defer {
        try? FileManager.default.removeItem(atPath: first.root)
        try? FileManager.default.removeItem(atPath: second.root)
    }
    #expect {
        try ServerContext(
            settings: ServerTLSSettings(certificatePath: first.serverCertificate, keyPath: second.serverKey, clientCAPath: first.caCertificate))
    } throws: { error in
        "\(error)".contains("cannot load server key") && "\(error)".contains("mismatch")
    }
}

/// A missing client CA bundle names the file it could not load.
@Test func namesTheMissingClientCAFile() throws {
    let pki = try makePKI("ca")
    defer { try? FileManager.default.removeItem(atPath: pki.root) }
    #expect {
        try ServerContext(
            settings: ServerTLSSettings(certificatePath: pki.serverCertificate, keyPath: pki.serverKey, clientCAPath: "/nonexistent/ca.pem"))
    } throws: { error in
        "\(error)".contains("cannot load client CA bundle from /nonexistent/ca.pem")
    }
}

/// The expiry of the loaded certificates and the CRL's next update are read from what was
/// loaded (for the metrics); `dockgate pki init` makes a CA that outlives the server certificate
/// and a CRL valid for 30 days.
@Test func readsCredentialValidity() throws {
    let pki = try makePKI("validity")
    defer { try? FileManager.default.removeItem(atPath: pki.root) }
    let now = Int64(Date().timeIntervalSince1970)
    let plain = try ServerContext(
        settings: ServerTLSSettings(certificatePath: pki.serverCertificate, keyPath: pki.serverKey, clientCAPath: pki.caCertificate))
    let server = try #require(plain.validity.serverCertificateNotAfter)
    let ca = try #require(plain.validity.clientCANotAfter)
    #expect(server > now + 86_400)
    #expect(ca >= server)
    #expect(plain.validity.crlNextUpdate == nil)
    let withCRL = try ServerContext(
        settings: ServerTLSSettings(
            certificatePath: pki.serverCertificate, keyPath: pki.serverKey, clientCAPath: pki.caCertificate, crlPath: pki.root + "/crl.pem"))
    let next = try #require(withCRL.validity.crlNextUpdate)
    #expect(abs(next - (now + 30 * 86_400)) < 3_600)
    #expect(withCRL.validity.serverCertificateNotAfter == server)
}
