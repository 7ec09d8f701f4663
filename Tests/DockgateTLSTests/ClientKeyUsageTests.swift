import DockgatePKI
import DockgateTLS
import Foundation
import Testing

/// Client certificates must be meant for clients: the leaf's Extended Key Usage must list
/// clientAuth. A leaf without the extension passes only with `allowClientCertificatesWithoutEKU`;
/// a leaf whose extension lacks clientAuth never does. Each case is a real handshake.
@Suite struct ClientKeyUsageTests {
    let pki: PKIDirectory

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dockgate-eku-\(UUID().uuidString)").path
        pki = PKIDirectory(root: root)
        _ = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
    }

    private func context(allowingAbsentEKU: Bool) throws -> ServerContext {
        try ServerContext(settings: ServerTLSSettings(
            certificatePath: pki.serverCertificate, keyPath: pki.serverKey, clientCAPath: pki.caCertificate,
            allowClientCertificatesWithoutEKU: allowingAbsentEKU))
    }

    private func leaf(_ name: String, _ extensions: [String]) throws -> (certificate: String, key: String) {
        try OpenSSLBinary.issueLeaf(name: name, extraExtensions: extensions, caCertificate: pki.caCertificate,
                                    caKey: pki.caKey, in: pki.root)
    }

    private func handshake(_ leaf: (certificate: String, key: String), allowingAbsentEKU: Bool) throws -> ClientHandshake.Outcome {
        try ClientHandshake.run(context: try context(allowingAbsentEKU: allowingAbsentEKU), certificate: leaf.certificate,
                                key: leaf.key, caCertificate: pki.caCertificate)
    }

    /// The bundle `dockgate pki issue` writes carries clientAuth and is accepted under the default rule.
    @Test func pkiIssuedClientIsAccepted() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        let bundle = try CertificateAuthority.load(pki).issueClient(name: "alice", host: "localhost")
        let outcome = try ClientHandshake.run(context: try context(allowingAbsentEKU: false), certificate: bundle.certificate,
                                              key: bundle.key, caCertificate: pki.caCertificate)
        guard case .accepted(let name) = outcome else { Issue.record("refused: \(outcome)"); return }
        #expect(name == "alice")
    }

    /// clientAuth (alone or next to serverAuth) is accepted, whatever the switch says.
    @Test(arguments: [false, true])
    func clientAuthIsAccepted(allowingAbsentEKU: Bool) throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        for extensions in [["extendedKeyUsage = clientAuth"], ["extendedKeyUsage = serverAuth,clientAuth"]] {
            let outcome = try handshake(try leaf("both", extensions), allowingAbsentEKU: allowingAbsentEKU)
            guard case .accepted(let name) = outcome else { Issue.record("\(extensions) refused: \(outcome)"); continue }
            #expect(name == "both")
        }
    }

    /// No Extended Key Usage at all: refused by default, with a reason that names the problem.
    @Test func missingEKUIsRefusedByDefault() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        let outcome = try handshake(try leaf("noeku", []), allowingAbsentEKU: false)
        guard case .refused(let reason) = outcome else { Issue.record("accepted: \(outcome)"); return }
        #expect(reason.contains("no extended key usage; clientAuth is required"), "\(reason)")
    }

    /// ... and accepted when the configuration says the CA omits the extension.
    @Test func missingEKUIsAcceptedWithTheSwitch() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        let outcome = try handshake(try leaf("noeku", []), allowingAbsentEKU: true)
        guard case .accepted(let name) = outcome else { Issue.record("refused: \(outcome)"); return }
        #expect(name == "noeku")
    }

    /// An extension without clientAuth (serverAuth only; codeSigning) is refused even with the
    /// switch, which covers only the absent extension.
    @Test(arguments: [false, true])
    func ekuWithoutClientAuthIsRefused(allowingAbsentEKU: Bool) throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        for extensions in [["extendedKeyUsage = serverAuth"], ["extendedKeyUsage = codeSigning"]] {
            let outcome = try handshake(try leaf("server", extensions), allowingAbsentEKU: allowingAbsentEKU)
            guard case .refused(let reason) = outcome else { Issue.record("\(extensions) accepted: \(outcome)"); continue }
            #expect(reason.contains("extended key usage does not include clientAuth"), "\(extensions): \(reason)")
        }
    }

    /// A CN that is not printable ASCII is refused in the handshake: KELVIN SIGN (canonically
    /// equivalent to K for Swift's String ==), a composed accent, a no-break space, none at all.
    @Test func nonPrintableASCIICommonNamesAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: pki.root) }
        for (file, commonName) in [("kelvin", "\u{212A}ate"), ("accent", "caf\u{E9}"), ("nbsp", "Kate\u{A0}x")] {
            let leaf = try OpenSSLBinary.issueLeaf(
                name: file, commonName: commonName, extraExtensions: ["extendedKeyUsage = clientAuth"],
                caCertificate: pki.caCertificate, caKey: pki.caKey, in: pki.root)
            let outcome = try handshake(leaf, allowingAbsentEKU: false)
            guard case .refused(let reason) = outcome else { Issue.record("\(file) accepted: \(outcome)"); continue }
            #expect(reason.contains("CN is not printable ASCII"), "\(file): \(reason)")
        }
        let plain = try OpenSSLBinary.issueLeaf(
            name: "kate", commonName: "Kate", extraExtensions: ["extendedKeyUsage = clientAuth"],
            caCertificate: pki.caCertificate, caKey: pki.caKey, in: pki.root)
        guard case .accepted(let name) = try handshake(plain, allowingAbsentEKU: false) else { Issue.record("Kate refused"); return }
        #expect(name == "Kate")
    }
}
