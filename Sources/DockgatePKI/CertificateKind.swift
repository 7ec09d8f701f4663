/// What an issued certificate is for; stored as `"server"` / `"client"` in `index.json`.
public enum CertificateKind: String, Sendable, Codable {
    case server
    case client
}
