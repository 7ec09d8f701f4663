import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension CertificateAuthority {
    /// Revokes certificates and rewrites `crl.pem`; returns the entries revoked now.
    ///
    /// `nameOrSerial` is first taken as a client name (exact CN): every unrevoked client
    /// certificate with that CN is revoked, since a person who lost a laptop loses all their
    /// bundles' trust at once. Otherwise it is taken as a serial in hex (case, colons, a `0x`
    /// prefix and leading zeros do not matter), as `pki list` and `openssl x509 -serial` print it.
    /// The server certificate is only revoked with `allowServer`, because doing so takes the
    /// proxy off the air for every client.
    ///
    /// The index is saved before the CRL file is replaced: a crash in between leaves a revocation
    /// that the next `revoke` or `regenerateCRL()` publishes, never a CRL entry that a later
    /// regeneration would silently drop. A revoked client's bundle folder is moved to
    /// `clients/.revoked/NAME-SERIAL`, so the name can be issued again.
    public func revoke(nameOrSerial: String, allowServer: Bool = false) throws -> [IssuedCertificate] {
        try DirectoryLock.withLock(on: directory.root) {
            var index = try CertificateIndex.load(directory.index)
            let positions = try Self.matches(nameOrSerial, in: index.certificates, allowServer: allowServer)
            let pending = positions.filter { !index.certificates[$0].revoked }
            guard !pending.isEmpty else { throw PKIError.alreadyRevoked(nameOrSerial) }

            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            for position in pending {
                index.certificates[position].revoked = true
                index.certificates[position].revokedAt = now
            }
            let crl = try signCRL(for: &index, now: now)  // signed before anything is written
            try index.save(directory.index)
            try crl.write(to: directory.crl)

            let revoked = pending.map { index.certificates[$0] }
            revoked.filter { $0.kind == .client }.forEach(retireBundle)
            return revoked
        }
    }

    /// Re-signs `crl.pem` from `index.json` with a fresh thisUpdate/nextUpdate and the next CRL
    /// number. The proxy rejects every client once the CRL's nextUpdate has passed, so this must
    /// run more often than every 30 days (see `deploy/dockgate-crl.timer`), followed by a reload.
    public func regenerateCRL() throws {
        try DirectoryLock.withLock(on: directory.root) {
            var index = try CertificateIndex.load(directory.index)
            let crl = try signCRL(for: &index, now: Date())
            try index.save(directory.index)
            try crl.write(to: directory.crl)
        }
    }

    /// Signs a CRL of every revoked entry of `index` with the next CRL number, and records that
    /// number in `index`. The caller holds the directory lock and saves `index`.
    private func signCRL(for index: inout CertificateIndex, now: Date) throws -> RevocationList {
        let number = (index.crlNumber ?? 0) + 1
        let entries = index.certificates.filter(\.revoked).map { entry in
            // An entry marked revoked by hand, without a date, is dated by this CRL.
            RevocationList.Entry(serialHex: entry.serialHex, revokedAt: entry.revokedAt ?? now)
        }
        let crl = try RevocationList.sign(entries: entries, number: number, issuer: certificate, key: key, now: now)
        index.crlNumber = number
        return crl
    }

    /// Indexes of the entries `nameOrSerial` names: client CNs first, then serials, then (only
    /// with `allowServer`) the server's CN.
    private static func matches(_ nameOrSerial: String, in certificates: [IssuedCertificate],
                                allowServer: Bool) throws -> [Int] {
        let byName = certificates.indices.filter {
            certificates[$0].kind == .client && certificates[$0].commonName == nameOrSerial
        }
        if !byName.isEmpty { return byName }

        if let serial = normalizedSerial(nameOrSerial) {
            let bySerial = certificates.indices.filter { normalizedSerial(certificates[$0].serialHex) == serial }
            if !bySerial.isEmpty {
                guard allowServer || bySerial.allSatisfy({ certificates[$0].kind == .client }) else {
                    throw PKIError.refusingToRevokeServer(nameOrSerial)
                }
                return bySerial
            }
        }

        let server = certificates.indices.filter {
            certificates[$0].kind == .server && certificates[$0].commonName == nameOrSerial
        }
        if !server.isEmpty {
            guard allowServer else { throw PKIError.refusingToRevokeServer(nameOrSerial) }
            return server
        }
        throw PKIError.unknownCertificate(nameOrSerial)
    }

    /// Lower-case hex digits without separators, `0x` or leading zeros; nil when `text` is not hex.
    private static func normalizedSerial(_ text: String) -> String? {
        var digits = text.lowercased().replacingOccurrences(of: ":", with: "")
        if digits.hasPrefix("0x") { digits.removeFirst(2) }
        guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
        let trimmed = digits.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }

    /// Moves `clients/NAME` out of the way when it holds the revoked certificate, so `issueClient`
    /// accepts the name again. Best effort: the revocation itself is already published, and a bundle
    /// left in place only makes a re-issue fail with "already exists".
    private func retireBundle(_ entry: IssuedCertificate) {
        let bundle = directory.clientBundle(entry.commonName)
        guard let summary = try? parseCertificateSummary(pemFile: bundle + "/cert.pem"),
              summary.serialHex == entry.serialHex else { return }
        let retired = directory.clientsDirectory + "/.revoked"
        guard (try? SecureFileSystem.makePrivateDirectory(retired)) != nil else { return }
        if rename(bundle, retired + "/" + entry.commonName + "-" + entry.serialHex) == 0 {
            SecureFileSystem.syncDirectory(directory.clientsDirectory)
        }
    }
}
