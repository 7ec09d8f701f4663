/// Files that make up the server side of mutual TLS.
public struct ServerTLSSettings: Sendable, Equatable {
    public var certificatePath: String
    public var keyPath: String
    /// The only CAs whose client certificates are accepted (an exclusive trust store).
    public var clientCAPath: String
    /// PEM file with one or more CRLs from the client CA; every client certificate is checked
    /// against them. An expired CRL fails every handshake: revocation data that is too old is not trusted.
    public var crlPath: String?
    /// Accept a client leaf that has no Extended Key Usage extension at all (for CAs that never
    /// write one). A leaf whose extension lacks clientAuth is refused whatever this says.
    public var allowClientCertificatesWithoutEKU: Bool

    public init(
        certificatePath: String, keyPath: String, clientCAPath: String, crlPath: String? = nil,
        allowClientCertificatesWithoutEKU: Bool = false
    ) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCAPath
        self.crlPath = crlPath
        self.allowClientCertificatesWithoutEKU = allowClientCertificatesWithoutEKU
    }
}
