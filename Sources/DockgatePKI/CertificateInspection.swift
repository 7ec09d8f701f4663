import Foundation

/// SHA-256 fingerprint of the first certificate in `pem`: 64 lower-case hex digits, no colons.
/// The proxy compares presented client certificates by this value, so it must match
/// `openssl x509 -fingerprint -sha256` exactly (modulo case and colons).
public func certificateFingerprintSHA256(pem: String) throws -> String {
    try Certificate.parse(pem: pem).sha256Fingerprint()
}

/// The facts `dockgate pki` shows about a certificate file, without exposing OpenSSL types.
public func parseCertificateSummary(pemFile: String) throws
    -> (commonName: String, serialHex: String, notAfter: Date, isCA: Bool) {
    let certificate = try Certificate.read(pemFile: pemFile)
    return (certificate.commonName, try certificate.serialHex(), try certificate.notAfter(), certificate.isCA)
}
