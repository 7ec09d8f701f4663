internal import COpenSSL
internal import COpenSSLShims
import Foundation

/// Builds and signs X.509 v3 certificates from a `CertificateProfile`.
///
/// Every certificate gets a random positive 128-bit serial (unpredictable serials are what keep
/// SHA-256 signatures safe from chosen-prefix tricks and make serials unique without a counter),
/// notBefore five minutes in the past to absorb clock skew between hosts, and a SHA-256 signature.
enum CertificateSigner {
    /// Allowed clock skew between the machine that issues and the machines that verify.
    static let backdateSeconds = 5 * 60

    /// Signs a certificate for `subjectKey`. With `issuer == nil` the certificate is self-signed
    /// (the CA); otherwise it is signed by the issuer's key and names the issuer's subject.
    static func sign(_ profile: CertificateProfile, subjectKey: PrivateKey,
                     issuer: (certificate: Certificate, key: PrivateKey)?) throws -> Certificate {
        OpenSSLErrorQueue.clear()
        guard let raw = X509_new() else { throw OpenSSLErrorQueue.failure("X509_new") }
        let certificate = Certificate(taking: raw)  // owns raw from here on, freed on every throw
        let x509 = certificate.pointer

        guard X509_set_version(x509, Int(X509_VERSION_3)) == 1 else { throw OpenSSLErrorQueue.failure("X509_set_version") }
        try setRandomSerial(x509)
        try setSubject(x509, commonName: profile.commonName)
        let issuerName = issuer.map { X509_get_subject_name($0.certificate.pointer) } ?? X509_get_subject_name(x509)
        guard X509_set_issuer_name(x509, issuerName) == 1 else { throw OpenSSLErrorQueue.failure("X509_set_issuer_name") }
        try setValidity(x509, days: profile.days)
        guard X509_set_pubkey(x509, subjectKey.pointer) == 1 else { throw OpenSSLErrorQueue.failure("X509_set_pubkey") }
        try addExtensions(profile.extensions, to: x509, issuer: issuer?.certificate.pointer ?? x509)

        let signingKey = issuer?.key ?? subjectKey
        guard X509_sign(x509, signingKey.pointer, EVP_sha256()) > 0 else { throw OpenSSLErrorQueue.failure("X509_sign") }
        return certificate
    }

    private static func setRandomSerial(_ x509: OpaquePointer) throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        repeat {
            guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { throw OpenSSLErrorQueue.failure("RAND_bytes") }
        } while bytes.allSatisfy { $0 == 0 }  // RFC 5280 wants a positive serial; zero is not
        // BN_bin2bn reads unsigned big-endian, so the number is always positive.
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw OpenSSLErrorQueue.failure("BN_bin2bn") }
        defer { BN_free(number) }
        // Writing into the certificate's own ASN1_INTEGER; passing nil would allocate one and leak it.
        guard let serial = X509_get_serialNumber(x509), BN_to_ASN1_INTEGER(number, serial) != nil else {
            throw OpenSSLErrorQueue.failure("BN_to_ASN1_INTEGER")
        }
    }

    private static func setSubject(_ x509: OpaquePointer, commonName: String) throws {
        guard let name = X509_NAME_new() else { throw OpenSSLErrorQueue.failure("X509_NAME_new") }
        defer { X509_NAME_free(name) }
        guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_NAME_add_entry_by_txt(CN=\(commonName))")
        }
        guard X509_set_subject_name(x509, name) == 1 else { throw OpenSSLErrorQueue.failure("X509_set_subject_name") }
    }

    private static func setValidity(_ x509: OpaquePointer, days: Int) throws {
        var now = time(nil)  // one instant for both ends, so notAfter - notBefore is exact
        guard X509_time_adj_ex(X509_getm_notBefore(x509), 0, -backdateSeconds, &now) != nil else {
            throw OpenSSLErrorQueue.failure("X509_time_adj_ex(notBefore)")
        }
        guard X509_time_adj_ex(X509_getm_notAfter(x509), Int32(days), 0, &now) != nil else {
            throw OpenSSLErrorQueue.failure("X509_time_adj_ex(notAfter)")
        }
    }

    /// Adds extensions in order; subjectKeyIdentifier must precede authorityKeyIdentifier so that a
    /// self-signed CA's AKI can copy its own SKI.
    private static func addExtensions(_ extensions: [(nid: Int32, value: String)], to x509: OpaquePointer,
                                      issuer: OpaquePointer) throws {
        var context = X509V3_CTX()
        COpenSSLShims_X509V3_set_ctx_nodb(&context)
        X509V3_set_ctx(&context, issuer, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw OpenSSLErrorQueue.failure("X509V3_EXT_conf_nid(\(String(cString: OBJ_nid2sn(nid))), \(value))")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw OpenSSLErrorQueue.failure("X509_add_ext") }
        }
    }
}
