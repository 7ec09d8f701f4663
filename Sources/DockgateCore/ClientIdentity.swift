/// Who is on the other end of a TLS connection, as proven by a verified client certificate.
///
/// Policy keys on `commonName`; the serial and fingerprint go into the record so that two
/// certificates with the same CN can still be told apart afterwards.
public struct ClientIdentity: Sendable, Equatable, CustomStringConvertible {
    public var commonName: String
    public var subject: String
    public var subjectAlternativeNames: [String]
    public var serialHex: String
    /// Lower-case hex SHA-256 of the DER certificate, without colons.
    public var sha256Fingerprint: String

    public init(
        commonName: String, subject: String, subjectAlternativeNames: [String], serialHex: String,
        sha256Fingerprint: String
    ) {
        self.commonName = commonName
        self.subject = subject
        self.subjectAlternativeNames = subjectAlternativeNames
        self.serialHex = serialHex
        self.sha256Fingerprint = sha256Fingerprint
    }

    public var description: String {
        "CN=\(commonName) serial=\(serialHex) sha256=\(sha256Fingerprint.prefix(16))…"
    }
}
