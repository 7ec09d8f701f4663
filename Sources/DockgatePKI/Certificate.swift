internal import COpenSSL
internal import COpenSSLShims
import Foundation

/// Owns one `X509`, freed exactly once in `deinit`, and answers the questions dockgate asks of
/// a certificate (CN, serial, expiry, CA flag, fingerprint) without leaking OpenSSL types.
final class Certificate {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_free(pointer)
    }

    /// Parses the first certificate of a PEM text.
    static func parse(pem: String) throws -> Certificate {
        OpenSSLErrorQueue.clear()
        var text = pem
        return try text.withUTF8 { utf8 in
            guard utf8.count < Int(Int32.max), let bio = BIO_new_mem_buf(utf8.baseAddress, Int32(utf8.count)) else {
                throw OpenSSLErrorQueue.failure("BIO_new_mem_buf")
            }
            defer { BIO_free(bio) }
            guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else {
                throw OpenSSLErrorQueue.failure("PEM_read_bio_X509")
            }
            return Certificate(taking: certificate)
        }
    }

    /// Reads and parses a PEM certificate file.
    static func read(pemFile path: String) throws -> Certificate {
        let bytes = try SecureFileSystem.readFile(path)
        do {
            return try parse(pem: String(decoding: bytes, as: UTF8.self))
        } catch let PKIError.openSSL(operation, details) {
            throw PKIError.openSSL(operation: "\(operation)(\(path))", details: details)
        }
    }

    /// The PEM encoding ("BEGIN CERTIFICATE").
    func pem() throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLErrorQueue.failure("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, pointer) == 1 else { throw OpenSSLErrorQueue.failure("PEM_write_bio_X509") }
        var bytes = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let count = BIO_read(bio, &bytes, Int32(bytes.count))
        guard count == Int32(bytes.count) else { throw OpenSSLErrorQueue.failure("BIO_read") }
        return bytes
    }

    /// Writes the PEM atomically to `path`; certificates are public, hence 0644 by default.
    func write(to path: String, mode: mode_t = 0o644) throws {
        try SecureFileSystem.writeAtomically(path, bytes: try pem(), mode: mode)
    }

    /// The subject's first commonName, or "" when there is none.
    var commonName: String {
        guard let name = X509_get_subject_name(pointer) else { return "" }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return "" }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return "" }
        defer { COpenSSLShims_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// The serial number as lower-case hex without separators.
    func serialHex() throws -> String {
        OpenSSLErrorQueue.clear()
        guard let serial = X509_get_serialNumber(pointer),
              let number = ASN1_INTEGER_to_BN(serial, nil) else { throw OpenSSLErrorQueue.failure("ASN1_INTEGER_to_BN") }
        defer { BN_free(number) }
        guard let hex = BN_bn2hex(number) else { throw OpenSSLErrorQueue.failure("BN_bn2hex") }
        defer { COpenSSLShims_OPENSSL_free(hex) }
        return String(cString: hex).lowercased()
    }

    /// The end of the validity period.
    func notAfter() throws -> Date {
        try Certificate.date(X509_get0_notAfter(pointer), field: "notAfter")
    }

    /// The start of the validity period.
    func notBefore() throws -> Date {
        try Certificate.date(X509_get0_notBefore(pointer), field: "notBefore")
    }

    /// True when basicConstraints says CA:TRUE.
    var isCA: Bool {
        // X509_get_extension_flags caches the decoded extensions, so EXFLAG_CA is reliable here.
        X509_get_extension_flags(pointer) & UInt32(EXFLAG_CA) != 0
    }

    /// SHA-256 over the DER certificate as 64 lower-case hex digits; the same value as
    /// `openssl x509 -fingerprint -sha256` without the colons.
    func sha256Fingerprint() throws -> String {
        OpenSSLErrorQueue.clear()
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(pointer, EVP_sha256(), &digest, &length) == 1 else {
            throw OpenSSLErrorQueue.failure("X509_digest")
        }
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }

    /// True when `key` is the private half of this certificate's public key.
    func matches(_ key: PrivateKey) -> Bool {
        defer { OpenSSLErrorQueue.clear() }  // a mismatch leaves an entry we report ourselves
        return X509_check_private_key(pointer, key.pointer) == 1
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?, field: String) throws -> Date {
        OpenSSLErrorQueue.clear()
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else {
            throw OpenSSLErrorQueue.failure("ASN1_TIME_to_tm(\(field))")
        }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
