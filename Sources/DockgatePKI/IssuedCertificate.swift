import Foundation

/// One line of `index.json`: enough to list, audit and later revoke a certificate without
/// reading the PEM files back.
public struct IssuedCertificate: Sendable, Codable, Equatable {
    /// Serial number as lower-case hex, the key a revocation would refer to.
    public let serialHex: String
    public let commonName: String
    public let kind: CertificateKind
    public let notAfter: Date
    /// SHA-256 of the DER certificate, lower-case hex; lets the proxy map a presented client
    /// certificate back to its name.
    public let sha256Fingerprint: String
    /// Set by `CertificateAuthority.revoke`; a revoked certificate is listed in `crl.pem`.
    public var revoked: Bool
    /// When it was revoked (the CRL entry's revocation date). Absent from `index.json` for
    /// certificates that are not revoked, so files written before revocation existed still read.
    public var revokedAt: Date?

    public init(serialHex: String, commonName: String, kind: CertificateKind, notAfter: Date,
                sha256Fingerprint: String, revoked: Bool = false, revokedAt: Date? = nil) {
        self.serialHex = serialHex
        self.commonName = commonName
        self.kind = kind
        self.notAfter = notAfter
        self.sha256Fingerprint = sha256Fingerprint
        self.revoked = revoked
        self.revokedAt = revokedAt
    }
}

extension IssuedCertificate {
    /// The index entry describing `certificate`.
    init(_ certificate: Certificate, kind: CertificateKind) throws {
        self.init(serialHex: try certificate.serialHex(), commonName: certificate.commonName, kind: kind,
                  notAfter: try certificate.notAfter(), sha256Fingerprint: try certificate.sha256Fingerprint())
    }
}
