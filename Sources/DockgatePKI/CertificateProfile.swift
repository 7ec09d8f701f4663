internal import COpenSSL

/// What goes into one certificate: subject, validity and the v3 extensions for its role.
///
/// The three profiles are the whole policy of the PKI, written as OpenSSL extension strings in one
/// place so they can be reviewed against what Go's crypto/tls, Python's `ssl` (which enables
/// X509_STRICT) and `openssl verify -purpose` demand.
struct CertificateProfile {
    /// Ten years: long enough that a small team never has to rotate the CA in a hurry.
    static let authorityDays = 3650

    let commonName: String
    let days: Int
    /// Extensions in the order they are added, as (NID, OpenSSL config value).
    let extensions: [(nid: Int32, value: String)]

    /// The self-signed CA. pathlen:0 because it only ever signs leaf certificates.
    static func authority(commonName: String) -> CertificateProfile {
        CertificateProfile(commonName: commonName, days: authorityDays, extensions: [
            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
    }

    /// The proxy's certificate. Go ignores the CN, so every name clients dial must be in the SANs;
    /// keyEncipherment is only meaningful (and only added) for RSA keys.
    /// - Precondition: names were checked by `NameValidation`, so they contain no ',' or ':'-tricks.
    static func server(dnsNames: [String], ipAddresses: [String], days: Int, algorithm: KeyAlgorithm) -> CertificateProfile {
        let alternativeNames = (dnsNames.map { "DNS:" + $0 } + ipAddresses.map { "IP:" + $0 }).joined(separator: ",")
        let keyUsage = algorithm == .rsa2048 ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"
        return CertificateProfile(commonName: dnsNames.first ?? ipAddresses[0], days: days, extensions: [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, keyUsage),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_alt_name, alternativeNames),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
    }

    /// A docker client. clientAuth only, so a stolen client certificate cannot impersonate the proxy.
    static func client(name: String, days: Int) -> CertificateProfile {
        CertificateProfile(commonName: name, days: days, extensions: [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "clientAuth"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
    }
}
