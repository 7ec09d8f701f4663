internal import COpenSSL
internal import COpenSSLShims
import DockgateCore

extension TLSSession {
    /// An ex_data slot holding the certificate error the verify callback replaced.
    static let verifyFailureIndex: Int32 = CRYPTO_get_ex_new_index(
        CRYPTO_EX_INDEX_SSL, 0, nil, nil, nil, nil)

    /// An ex_data slot holding a reference to a leaf certificate the verify callback rejected.
    static let rejectedLeafIndex: Int32 = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, nil, nil, nil, nil)

    static func recordRejectedLeaf(ssl: OpaquePointer, _ leaf: OpaquePointer) {
        guard SSL_get_ex_data(ssl, rejectedLeafIndex) == nil, X509_up_ref(leaf) == 1 else { return }
        SSL_set_ex_data(ssl, rejectedLeafIndex, UnsafeMutableRawPointer(leaf))
    }

    /// Drops the reference `recordRejectedLeaf` took; called before the `SSL *` is freed.
    func releaseRejectedLeaf() {
        guard let leaf = SSL_get_ex_data(ssl, Self.rejectedLeafIndex) else { return }
        SSL_set_ex_data(ssl, Self.rejectedLeafIndex, nil)
        X509_free(OpaquePointer(leaf))
    }

    static func recordVerifyFailure(ssl: OpaquePointer, code: Int32, depth: Int32) {
        // Only the first failure is kept: it is the root cause, later ones follow from it.
        guard SSL_get_ex_data(ssl, verifyFailureIndex) == nil else { return }
        let packed = (Int(depth) << 32) | Int(UInt32(bitPattern: code))
        SSL_set_ex_data(ssl, verifyFailureIndex, UnsafeMutableRawPointer(bitPattern: packed | (1 << 62)))
    }

    /// Why the client's certificate chain was refused, in OpenSSL's words, if it was.
    public var verifyFailureReason: String? {
        guard let packedPointer = SSL_get_ex_data(ssl, Self.verifyFailureIndex) else { return nil }
        let packed = Int(bitPattern: packedPointer) & ~(1 << 62)
        let code = Int32(truncatingIfNeeded: packed & 0xFFFF_FFFF)
        let depth = packed >> 32
        let text = ClientLeafRefusal(rawValue: code)?.text ?? String(cString: X509_verify_cert_error_string(Int(code)))
        return "client certificate rejected: \(text) (depth \(depth))"
    }

    /// The subject of whatever certificate the client presented, verified or not (for the log).
    public var presentedSubject: String? {
        if let certificate = SSL_get0_peer_certificate(ssl) { return Self.oneLineName(X509_get_subject_name(certificate)) }
        guard let rejected = SSL_get_ex_data(ssl, Self.rejectedLeafIndex) else { return nil }
        return Self.oneLineName(X509_get_subject_name(OpaquePointer(rejected)))
    }

    /// The identity proven by the handshake. Nil unless a certificate was presented and verified.
    public func peerIdentity() -> ClientIdentity? {
        guard SSL_get_verify_result(ssl) == X509_V_OK, let certificate = SSL_get0_peer_certificate(ssl) else {
            return nil
        }
        let subject = X509_get_subject_name(certificate)
        return ClientIdentity(
            commonName: Self.commonName(subject) ?? "",
            subject: Self.oneLineName(subject),
            subjectAlternativeNames: Self.subjectAlternativeNames(certificate),
            serialHex: Self.serialHex(certificate),
            sha256Fingerprint: Self.fingerprint(certificate))
    }

    static func commonName(_ name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        // Exactly one CN: a certificate with two is ambiguous and gets no identity.
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, X509_NAME_get_index_by_NID(name, NID_commonName, index) < 0,
            let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry)
        else { return nil }
        return string(data)
    }

    private static func string(_ asn1: UnsafePointer<ASN1_STRING>) -> String? {
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, asn1)
        guard length >= 0, let utf8 else { return nil }
        defer { COpenSSLShims_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// "/C=DE/O=Team/CN=alice": OpenSSL's one-line form, with non-ASCII bytes escaped.
    private static func oneLineName(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard X509_NAME_oneline(name, &buffer, Int32(buffer.count)) != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func subjectAlternativeNames(_ certificate: OpaquePointer) -> [String] {
        guard let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { COpenSSLShims_GENERAL_NAMES_free(names) }
        var result: [String] = []
        for index in 0..<COpenSSLShims_sk_GENERAL_NAME_num(names) {
            guard let name = COpenSSLShims_sk_GENERAL_NAME_value(names, index) else { continue }
            switch name.pointee.type {
            case GEN_DNS, GEN_EMAIL, GEN_URI:
                if let ia5 = name.pointee.d.ia5, let text = string(ia5) {
                    result.append(text)
                }
            case GEN_IPADD:
                if let data = name.pointee.d.iPAddress {
                    let length = Int(ASN1_STRING_length(data))
                    let bytes = UnsafeBufferPointer(start: ASN1_STRING_get0_data(data), count: length)
                    result.append(length == 4 ? bytes.map(String.init).joined(separator: ".") : bytes.map { String(format2: $0) }.joined())
                }
            default:
                continue
            }
        }
        return result
    }

    private static func serialHex(_ certificate: OpaquePointer) -> String {
        guard let serial = X509_get0_serialNumber(certificate) else { return "" }
        return ServerContext.hex(serial)
    }

    /// SHA-256 fetched from the default provider once. `EVP_sha256()` is a legacy handle that
    /// OpenSSL 3 turns into a provider fetch (a locked method-store look-up) on every digest.
    /// Immutable once fetched and never freed, so shared by every thread.
    nonisolated(unsafe) private static let sha256 = EVP_MD_fetch(nil, "SHA2-256", nil)

    private static func fingerprint(_ certificate: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, sha256 ?? EVP_sha256(), &digest, &length) == 1 else { return "" }
        return digest[0..<Int(length)].map { String(format2: $0) }.joined()
    }
}

extension String {
    /// Two lower-case hex digits.
    init(format2 byte: UInt8) {
        let digits: [Character] = Array("0123456789abcdef")
        self.init([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
