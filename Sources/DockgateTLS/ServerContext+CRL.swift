#if canImport(Glibc)
import Glibc
#endif
internal import COpenSSL
internal import COpenSSLShims

extension ServerContext {
    /// Loads every CRL in the PEM file into the verify store and turns on CRL checking of the
    /// client's leaf certificate. Returns the revoked serials (lower-case hex), so connections
    /// that were already open with a now-revoked certificate can be found after a reload.
    func loadRevocationLists(_ path: String) throws(TLSConfigurationError) -> Set<String> {
        guard let file = fopen(path, "r") else {
            throw .cannotLoad(what: "CRL", path: path, OpenSSLErrorStack(messages: [String(cString: strerror(errno))]))
        }
        defer { fclose(file) }
        guard let store = SSL_CTX_get_cert_store(context) else { throw .invalidSetting("certificate store", .drain()) }
        var serials: Set<String> = []
        var count = 0
        while let crl = PEM_read_X509_CRL(file, nil, nil, nil) {
            defer { X509_CRL_free(crl) }
            guard X509_STORE_add_crl(store, crl) == 1 else { throw .cannotLoad(what: "CRL", path: path, .drain()) }
            count += 1
            if let next = Self.unixTime(X509_CRL_get0_nextUpdate(crl)) {
                crlNextUpdate = min(crlNextUpdate ?? next, next)
            }
            if let revoked = X509_CRL_get_REVOKED(crl) {
                for index in 0..<COpenSSLShims_sk_X509_REVOKED_num(revoked) {
                    guard let entry = COpenSSLShims_sk_X509_REVOKED_value(revoked, index),
                        let serial = X509_REVOKED_get0_serialNumber(entry)
                    else { continue }
                    serials.insert(Self.hex(serial))
                }
            }
        }
        // The loop ends on "no start line" once the file is exhausted; that is not an error.
        ERR_clear_error()
        guard count > 0 else {
            throw .cannotLoad(what: "CRL", path: path, OpenSSLErrorStack(messages: ["the file holds no PEM X509 CRL"]))
        }
        guard X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK)) == 1 else { throw .invalidSetting("CRL checking", .drain()) }
        return serials
    }

    static func hex(_ integer: UnsafePointer<ASN1_INTEGER>) -> String {
        guard let bignum = ASN1_INTEGER_to_BN(integer, nil) else { return "" }
        defer { BN_free(bignum) }
        guard let text = BN_bn2hex(bignum) else { return "" }
        defer { COpenSSLShims_OPENSSL_free(text) }
        return String(cString: text).lowercased()
    }
}
