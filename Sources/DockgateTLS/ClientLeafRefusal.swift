/// Why dockgate refused a client leaf that OpenSSL's chain checks accepted. Recorded on the session
/// as a negative code, so it never collides with an `X509_V_ERR_*` code (all of which are ≥ 0).
enum ClientLeafRefusal: Int32, CaseIterable {
    case noExtendedKeyUsage = -1
    case extendedKeyUsageWithoutClientAuth = -2
    /// Users are named by printable ASCII CNs (byte-compared); any other CN could only be a
    /// look-alike of one (KELVIN SIGN for K, a composed accent for a decomposed one).
    case commonNameNotPrintableASCII = -3

    var code: Int32 { rawValue }

    /// The log and audit text for the refusal.
    var text: String {
        switch self {
        case .noExtendedKeyUsage:
            "no extended key usage; clientAuth is required (tls.allow_client_certificates_without_eku permits a CA that omits the extension)"
        case .extendedKeyUsageWithoutClientAuth:
            "extended key usage does not include clientAuth"
        case .commonNameNotPrintableASCII:
            "the certificate's CN is not printable ASCII (or it is missing or repeated)"
        }
    }
}
