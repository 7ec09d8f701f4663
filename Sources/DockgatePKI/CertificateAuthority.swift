import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A loaded CA: its certificate and private key, ready to issue client certificates.
///
/// Creating the PKI and issuing from it are the only operations that need the CA key, so both
/// live here and the key never leaves this type.
public struct CertificateAuthority {
    public let directory: PKIDirectory
    /// The algorithm of the CA key, also used for the client keys it issues.
    public let keyAlgorithm: KeyAlgorithm
    let certificate: Certificate
    let key: PrivateKey

    /// Files and folders `initialize` may find in a directory it is allowed to take over.
    private static let ownEntries: Set<String> = ["ca.pem", "ca-key.pem", "server-cert.pem", "server-key.pem", "index.json", "crl.pem", "clients"]

    /// Creates the CA (CN "dockgate CA <hostname>", CA:TRUE critical, keyCertSign+cRLSign, 10 years)
    /// and the server certificate (CN = first DNS name, or the first IP when no name is given;
    /// SANs = all given names and IPs, since Go ignores the CN; serverAuth, CA:FALSE, `days` long).
    /// Keys are written 0600 in a 0700 directory; CA and server use the same `algorithm`.
    /// An empty CRL (number 1) is written too, so the proxy can be configured with `crl.pem` from
    /// the first day and a later revocation needs only a reload.
    ///
    /// Refuses to overwrite an existing PKI unless `force`, because replacing the CA silently
    /// invalidates every client bundle handed out so far. With `force`, `index.json` starts over;
    /// existing `clients/` bundles are left on disk but no longer verify.
    public static func initialize(_ dir: PKIDirectory, dnsNames: [String], ipAddresses: [String],
                                  algorithm: KeyAlgorithm = .ecP256, days: Int = 825,
                                  force: Bool = false) throws -> CertificateAuthority {
        guard !dnsNames.isEmpty || !ipAddresses.isEmpty else { throw PKIError.noSubjectAlternativeNames }
        try dnsNames.forEach(NameValidation.checkDNSName)
        try ipAddresses.forEach(NameValidation.checkIPAddress)
        try NameValidation.checkDays(days)
        guard force || !dir.exists else { throw PKIError.alreadyInitialized(root: dir.root) }

        try SecureFileSystem.makePrivateDirectory(dir.root, mayTighten: checkOnlyOwnEntries)
        return try DirectoryLock.withLock(on: dir.root) {
            // Checked again under the lock: a concurrent initialize may have won the race.
            guard force || !dir.exists else { throw PKIError.alreadyInitialized(root: dir.root) }

            let caKey = try PrivateKey.generate(algorithm)
            let caCertificate = try CertificateSigner.sign(.authority(commonName: authorityCommonName()),
                                                           subjectKey: caKey, issuer: nil)
            let serverKey = try PrivateKey.generate(algorithm)
            let serverProfile = CertificateProfile.server(dnsNames: dnsNames, ipAddresses: ipAddresses,
                                                          days: days, algorithm: algorithm)
            let serverCertificate = try CertificateSigner.sign(serverProfile, subjectKey: serverKey,
                                                               issuer: (caCertificate, caKey))

            try caKey.write(to: dir.caKey)
            try caCertificate.write(to: dir.caCertificate)
            try serverKey.write(to: dir.serverKey)
            try serverCertificate.write(to: dir.serverCertificate)
            let index = CertificateIndex(certificates: [try IssuedCertificate(serverCertificate, kind: .server)], crlNumber: 1)
            let crl = try RevocationList.sign(entries: [], number: 1, issuer: caCertificate, key: caKey)
            try index.save(dir.index)
            try crl.write(to: dir.crl)
            return CertificateAuthority(directory: dir, keyAlgorithm: algorithm, certificate: caCertificate, key: caKey)
        }
    }

    /// Loads an existing CA and checks that the key belongs to the certificate and that the
    /// certificate really is a CA, so a mix-up is reported now rather than as a TLS failure later.
    public static func load(_ dir: PKIDirectory) throws -> CertificateAuthority {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: dir.caCertificate), fileManager.fileExists(atPath: dir.caKey) else {
            throw PKIError.notInitialized(root: dir.root)
        }
        let certificate = try Certificate.read(pemFile: dir.caCertificate)
        guard certificate.isCA else { throw PKIError.notACertificateAuthority(path: dir.caCertificate) }
        let key = try PrivateKey.read(pemFile: dir.caKey)
        guard certificate.matches(key) else { throw PKIError.keyMismatch(certificate: dir.caCertificate, key: dir.caKey) }
        // A CA made elsewhere (e.g. P-384) still issues; its clients get the default key type.
        return CertificateAuthority(directory: dir, keyAlgorithm: key.algorithm ?? .ecP256,
                                    certificate: certificate, key: key)
    }

    /// Everything recorded in `index.json`, in issue order.
    public func listIssued() throws -> [IssuedCertificate] {
        try CertificateIndex.load(directory.index).certificates
    }

    /// The CA certificate's SHA-256 fingerprint, for printing next to "trust this CA".
    public func caFingerprintSHA256() throws -> String {
        try certificate.sha256Fingerprint()
    }

    /// An existing directory is only tightened to 0700 when it is empty or already a dockgate PKI.
    private static func checkOnlyOwnEntries(_ path: String) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let foreign = entries.filter { !ownEntries.contains($0) && !$0.hasPrefix(".") }.sorted()
        guard foreign.isEmpty else {
            throw PKIError.unsafeDirectory(path: path, reason: "it contains unrelated files (\(foreign.prefix(3).joined(separator: ", ")))")
        }
    }

    /// "dockgate CA <hostname>", cut to the 64-character CN limit.
    private static func authorityCommonName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : ""
        let name = host.isEmpty ? "dockgate CA" : "dockgate CA " + host
        return String(name.prefix(64))
    }
}
