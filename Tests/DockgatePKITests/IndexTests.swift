import Foundation
import Testing
@testable import DockgatePKI

@Suite("index.json")
struct IndexTests {
    /// index.json must list the server and every client, in issue order, with the serial, CN,
    /// kind, notAfter and fingerprint of the certificate actually written, none revoked.
    @Test func listsEverythingIssued() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["docker.example"], ipAddresses: [])
        let alice = try authority.issueClient(name: "alice", host: "tcp://docker.example:2376")
        let bob = try CertificateAuthority.load(pki).issueClient(name: "bob", days: 90, host: "tcp://docker.example:2376")

        let issued = try authority.listIssued()
        #expect(issued.map(\.commonName) == ["docker.example", "alice", "bob"])
        #expect(issued.map(\.kind) == [.server, .client, .client])
        #expect(issued.allSatisfy { !$0.revoked })
        #expect(issued[1].serialHex == alice.serialHex && issued[2].serialHex == bob.serialHex)
        #expect(issued[2].notAfter == bob.notAfter)
        #expect(issued[1].sha256Fingerprint == alice.sha256Fingerprint)
        let server = try parseCertificateSummary(pemFile: pki.serverCertificate)
        #expect(issued[0].serialHex == server.serialHex && issued[0].notAfter == server.notAfter)
        #expect(Set(issued.map(\.serialHex)).count == 3)

        // The file itself is plain, versioned JSON that other tools can read.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: pki.index))) as? [String: Any]
        #expect(json?["version"] as? Int == 1)
        let entries = json?["certificates"] as? [[String: Any]]
        #expect(entries?.count == 3)
        #expect(entries?[1]["kind"] as? String == "client")
        #expect(entries?[1]["revoked"] as? Bool == false)
        #expect((entries?[1]["notAfter"] as? String)?.hasSuffix("Z") == true)
    }

    /// Concurrent issuers must not lose each other's index entries (the directory lock serialises them).
    @Test func concurrentIssuesAreAllRecorded() async throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        _ = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<8 {
                group.addTask { _ = try CertificateAuthority.load(pki).issueClient(name: "c\(number)", host: "tcp://x:2376") }
            }
            try await group.waitForAll()
        }
        #expect(try CertificateAuthority.load(pki).listIssued().count == 9)
    }

    /// A corrupt index must stop issuing with a clear error rather than be silently replaced.
    @Test func corruptIndexIsReported() throws {
        let temporary = try TemporaryDirectory()
        let pki = temporary.pki
        let authority = try CertificateAuthority.initialize(pki, dnsNames: ["localhost"], ipAddresses: [])
        try Data("{".utf8).write(to: URL(fileURLWithPath: pki.index))
        let error = #expect(throws: PKIError.self) { try authority.issueClient(name: "eve", host: "tcp://x:2376") }
        if case .invalidIndex = error {} else { Issue.record("expected invalidIndex, got \(String(describing: error))") }
        #expect(!FileManager.default.fileExists(atPath: pki.clientBundle("eve")))
    }
}
