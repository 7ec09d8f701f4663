internal import COpenSSL

/// What a client leaf's Extended Key Usage extension says about TLS client authentication
/// (RFC 5280 §4.2.1.12: when the extension is present, the certificate is for the listed purposes only).
///
/// dockerd's documentation and `dockgate pki issue` both give client certificates `clientAuth`;
/// a certificate made for a server (`serverAuth` only) is not a user. A leaf without the extension
/// at all is refused unless `tls.allow_client_certificates_without_eku` says the CA never writes it.
enum ClientKeyUsage: Equatable {
    /// The extension is present and lists clientAuth.
    case clientAuth
    /// There is no Extended Key Usage extension.
    case absent
    /// The extension is present without clientAuth (serverAuth only, for example).
    case withoutClientAuth

    init(leaf: OpaquePointer) {
        // X509_get_extension_flags parses and caches the extensions first (X509_check_purpose(3)).
        guard X509_get_extension_flags(leaf) & UInt32(EXFLAG_XKUSAGE) != 0 else {
            self = .absent
            return
        }
        // Only the clientAuth bit: anyExtendedKeyUsage alone is refused, as OpenSSL's own
        // SSL-client purpose check (set on the context) refuses it.
        self = X509_get_extended_key_usage(leaf) & UInt32(XKU_SSL_CLIENT) != 0 ? .clientAuth : .withoutClientAuth
    }

    /// Why the usage refuses the leaf, or nil when it permits it.
    func refusal(allowingAbsent: Bool) -> ClientLeafRefusal? {
        switch self {
        case .clientAuth: nil
        case .absent: allowingAbsent ? nil : .noExtendedKeyUsage
        case .withoutClientAuth: .extendedKeyUsageWithoutClientAuth
        }
    }
}
