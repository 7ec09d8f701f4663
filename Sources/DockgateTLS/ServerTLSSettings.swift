/// Files that make up the server side of mutual TLS.
public struct ServerTLSSettings: Sendable, Equatable {
    public var certificatePath: String
    public var keyPath: String
    /// The only CAs whose client certificates are accepted (an exclusive trust store).
    public var clientCAPath: String

    public init(certificatePath: String, keyPath: String, clientCAPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCAPath
    }
}
