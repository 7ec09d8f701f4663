/// The key type for the CA, the server and the clients of one PKI.
///
/// EC P-256 is the default: small keys, fast handshakes and accepted by the Go docker CLI and by
/// Python's `ssl`. RSA-2048 exists for old clients that cannot do ECDSA.
public enum KeyAlgorithm: String, Sendable, CaseIterable, Codable {
    case ecP256 = "ec-p256"
    case rsa2048 = "rsa-2048"
}
