/// A bounded classification of `handshake_failure` audit reasons (which carry OpenSSL's text and
/// the client's subject, never fit for a label).
enum HandshakeFailureClass: String, CaseIterable, Sendable {
    case plaintextHTTP = "plaintext_http"
    case noCertificate = "no_certificate"
    case unknownCA = "unknown_ca"
    case expired
    case notYetValid = "not_yet_valid"
    case revoked
    case keyUsage = "key_usage"
    case badCommonName = "bad_common_name"
    /// Any other verification failure of the client's chain.
    case certificateRejected = "certificate_rejected"
    case clientClosed = "client_closed"
    case timeout
    /// A TLS protocol failure (no common version or cipher, a malformed record, …).
    case protocolError = "protocol"

    /// `reason` as `ClientConnection+Handshake` writes it into the record.
    init(reason: String) {
        let text = reason.lowercased()
        if text.hasPrefix("plaintext http") {
            self = .plaintextHTTP
        } else if text.hasPrefix("handshake timed out") {
            self = .timeout
        } else if text.hasPrefix("client closed") {
            self = .clientClosed
        } else if text.hasPrefix("no verified client certificate") || text.contains("did not return a certificate") {
            self = .noCertificate
        } else if text.contains("cn is not printable ascii") {
            self = .badCommonName
        } else if text.hasPrefix("client certificate rejected") {
            if text.contains("revoked") {
                self = .revoked
            } else if text.contains("has expired") {
                self = .expired
            } else if text.contains("not yet valid") {
                self = .notYetValid
            } else if text.contains("issuer certificate") || text.contains("self-signed") || text.contains("self signed")
                || text.contains("unable to verify the first")
            {
                self = .unknownCA
            } else if text.contains("key usage") || text.contains("purpose") {
                self = .keyUsage
            } else {
                self = .certificateRejected
            }
        } else {
            self = .protocolError
        }
    }
}
