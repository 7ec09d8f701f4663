internal import COpenSSL
internal import COpenSSLShims
import Foundation

/// Owns one signed `X509_CRL`, freed exactly once in `deinit`.
///
/// The CRL is what the proxy actually enforces; `index.json` only records why it looks the way it
/// does. It is rebuilt from scratch every time (never edited in place), so it always lists exactly
/// the revoked entries of the index.
final class RevocationList {
    /// How long a CRL stays valid. Verifiers treat an expired CRL as no revocation data at all
    /// and fail every handshake, so `regenerateCRL()` must run well within this period.
    static let validity: TimeInterval = 30 * 86_400

    /// One revoked certificate: its serial (lower-case hex, as in `index.json`) and when it was revoked.
    struct Entry {
        let serialHex: String
        let revokedAt: Date
    }

    let pointer: OpaquePointer

    private init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_CRL_free(pointer)
    }

    /// Builds and signs an X.509 v2 CRL (RFC 5280 §5): issuer = the CA's subject, thisUpdate =
    /// `now`, nextUpdate = `now` + `validity`, one entry per revoked serial, a CRL number and an
    /// authority key identifier (so verifiers pick the right CA key after a re-key), SHA-256.
    static func sign(entries: [Entry], number: Int, issuer: Certificate, key: PrivateKey,
                     now: Date = Date()) throws -> RevocationList {
        OpenSSLErrorQueue.clear()
        guard let raw = X509_CRL_new() else { throw OpenSSLErrorQueue.failure("X509_CRL_new") }
        let list = RevocationList(taking: raw)  // owns raw from here on, freed on every throw
        let crl = list.pointer

        guard X509_CRL_set_version(crl, Int(X509_CRL_VERSION_2)) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_CRL_set_version")
        }
        guard X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.pointer)) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_CRL_set_issuer_name")
        }
        let thisUpdate = try ASN1Time(now)
        let nextUpdate = try ASN1Time(now.addingTimeInterval(validity))
        guard X509_CRL_set1_lastUpdate(crl, thisUpdate.pointer) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_CRL_set1_lastUpdate")
        }
        guard X509_CRL_set1_nextUpdate(crl, nextUpdate.pointer) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_CRL_set1_nextUpdate")
        }
        for entry in entries {
            try addRevoked(entry, to: crl)
        }
        // Entries in serial order, as `openssl ca -gencrl` writes them; lookups do not depend on it.
        guard X509_CRL_sort(crl) == 1 else { throw OpenSSLErrorQueue.failure("X509_CRL_sort") }
        try addNumber(number, to: crl)
        try addAuthorityKeyIdentifier(crl, issuer: issuer)

        guard X509_CRL_sign(crl, key.pointer, EVP_sha256()) > 0 else { throw OpenSSLErrorQueue.failure("X509_CRL_sign") }
        return list
    }

    /// The PEM encoding ("BEGIN X509 CRL").
    func pem() throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLErrorQueue.failure("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509_CRL(bio, pointer) == 1 else { throw OpenSSLErrorQueue.failure("PEM_write_bio_X509_CRL") }
        var bytes = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let count = BIO_read(bio, &bytes, Int32(bytes.count))
        guard count == Int32(bytes.count) else { throw OpenSSLErrorQueue.failure("BIO_read") }
        return bytes
    }

    /// Writes the PEM atomically; 0644 because a CRL is public and the proxy's user must read it.
    func write(to path: String) throws {
        try SecureFileSystem.writeAtomically(path, bytes: try pem(), mode: 0o644)
    }

    private static func addRevoked(_ entry: Entry, to crl: OpaquePointer) throws {
        guard let revoked = X509_REVOKED_new() else { throw OpenSSLErrorQueue.failure("X509_REVOKED_new") }
        var owned = true
        defer { if owned { X509_REVOKED_free(revoked) } }

        var number: OpaquePointer?
        guard BN_hex2bn(&number, entry.serialHex) > 0, let number else {
            throw PKIError.openSSL(operation: "BN_hex2bn(\(entry.serialHex))", details: OpenSSLErrorQueue.drain())
        }
        defer { BN_free(number) }
        guard let serial = BN_to_ASN1_INTEGER(number, nil) else { throw OpenSSLErrorQueue.failure("BN_to_ASN1_INTEGER") }
        defer { ASN1_INTEGER_free(serial) }
        // Both setters copy their argument.
        guard X509_REVOKED_set_serialNumber(revoked, serial) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_REVOKED_set_serialNumber")
        }
        let date = try ASN1Time(entry.revokedAt)
        guard X509_REVOKED_set_revocationDate(revoked, date.pointer) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_REVOKED_set_revocationDate")
        }
        guard X509_CRL_add0_revoked(crl, revoked) == 1 else { throw OpenSSLErrorQueue.failure("X509_CRL_add0_revoked") }
        owned = false
    }

    /// cRLNumber (RFC 5280 §5.2.3): non-critical, monotonically increasing, so a verifier holding
    /// two CRLs can tell which is newer.
    private static func addNumber(_ value: Int, to crl: OpaquePointer) throws {
        guard let number = ASN1_INTEGER_new() else { throw OpenSSLErrorQueue.failure("ASN1_INTEGER_new") }
        defer { ASN1_INTEGER_free(number) }
        guard ASN1_INTEGER_set_int64(number, Int64(value)) == 1 else { throw OpenSSLErrorQueue.failure("ASN1_INTEGER_set_int64") }
        guard X509_CRL_add1_ext_i2d(crl, NID_crl_number, UnsafeMutableRawPointer(number), 0, 0) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_CRL_add1_ext_i2d(crlNumber)")
        }
    }

    /// authorityKeyIdentifier (RFC 5280 §5.2.1, a MUST for conforming CRL issuers), copied from
    /// the CA certificate's subject key identifier.
    private static func addAuthorityKeyIdentifier(_ crl: OpaquePointer, issuer: Certificate) throws {
        var context = X509V3_CTX()
        COpenSSLShims_X509V3_set_ctx_nodb(&context)
        X509V3_set_ctx(&context, issuer.pointer, nil, nil, crl, 0)
        guard let ext = X509V3_EXT_conf_nid(nil, &context, NID_authority_key_identifier, "keyid:always") else {
            throw OpenSSLErrorQueue.failure("X509V3_EXT_conf_nid(authorityKeyIdentifier)")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_CRL_add_ext(crl, ext, -1) == 1 else { throw OpenSSLErrorQueue.failure("X509_CRL_add_ext") }
    }
}

/// Owns one `ASN1_TIME` for the length of a CRL build.
private final class ASN1Time {
    let pointer: UnsafeMutablePointer<ASN1_TIME>

    init(_ date: Date) throws {
        guard let pointer = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970.rounded(.down))) else {
            throw OpenSSLErrorQueue.failure("ASN1_TIME_set")
        }
        self.pointer = pointer
    }

    deinit {
        ASN1_TIME_free(pointer)
    }
}
