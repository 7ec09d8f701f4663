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
    /// Always false for now; the field exists so a revocation command can be added without
    /// changing the file format.
    public var revoked: Bool

    public init(serialHex: String, commonName: String, kind: CertificateKind, notAfter: Date,
                sha256Fingerprint: String, revoked: Bool = false) {
        self.serialHex = serialHex
        self.commonName = commonName
        self.kind = kind
        self.notAfter = notAfter
        self.sha256Fingerprint = sha256Fingerprint
        self.revoked = revoked
    }
}

extension IssuedCertificate {
    /// The index entry describing `certificate`.
    init(_ certificate: Certificate, kind: CertificateKind) throws {
        self.init(serialHex: try certificate.serialHex(), commonName: certificate.commonName, kind: kind,
                  notAfter: try certificate.notAfter(), sha256Fingerprint: try certificate.sha256Fingerprint())
    }
}
