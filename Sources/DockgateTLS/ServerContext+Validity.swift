#if canImport(Glibc)
import Glibc
#endif
internal import COpenSSL

/// When the loaded credentials stop being good, as Unix times (seconds): what monitoring needs to
/// warn before a certificate expires or a CRL goes stale (an expired CRL fails every handshake).
public struct CredentialValidity: Sendable, Equatable {
    /// notAfter of the server's own certificate (the leaf of the configured chain).
    public var serverCertificateNotAfter: Int64?
    /// The earliest notAfter among the client CA bundle's certificates.
    public var clientCANotAfter: Int64?
    /// The earliest nextUpdate among the loaded CRLs (nil without CRLs, or when none has one).
    public var crlNextUpdate: Int64?

    public init(serverCertificateNotAfter: Int64? = nil, clientCANotAfter: Int64? = nil, crlNextUpdate: Int64? = nil) {
        self.serverCertificateNotAfter = serverCertificateNotAfter
        self.clientCANotAfter = clientCANotAfter
        self.crlNextUpdate = crlNextUpdate
    }
}

extension ServerContext {
    /// Read from the context just built: the certificate OpenSSL will present, and the CA file
    /// it loaded into its verify store (read again here, since the store keeps no file order).
    func readValidity() -> CredentialValidity {
        var validity = CredentialValidity()
        if let certificate = SSL_CTX_get0_certificate(context) {
            validity.serverCertificateNotAfter = Self.unixTime(X509_get0_notAfter(certificate))
        }
        if let file = fopen(settings.clientCAPath, "r") {
            defer { fclose(file) }
            while let certificate = PEM_read_X509(file, nil, nil, nil) {
                defer { X509_free(certificate) }
                if let notAfter = Self.unixTime(X509_get0_notAfter(certificate)) {
                    validity.clientCANotAfter = min(validity.clientCANotAfter ?? notAfter, notAfter)
                }
            }
            ERR_clear_error()
        }
        validity.crlNextUpdate = crlNextUpdate
        return validity
    }

    static func unixTime(_ time: UnsafePointer<ASN1_TIME>?) -> Int64? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Int64(timegm(&parts))
    }
}
