import Foundation

/// A client's certificate bundle on disk: `ca.pem`, `cert.pem`, `key.pem` (0600) and `host`,
/// the layout `DOCKER_CERT_PATH` expects, so the directory can be copied to a laptop as is.
public struct ClientBundle: Sendable {
    /// Absolute path of the bundle, so printed instructions work from any working directory.
    public let directory: String
    /// The client name, which is also the certificate's CN.
    public let name: String
    /// Serial as lower-case hex, as recorded in `index.json`.
    public let serialHex: String
    /// SHA-256 of the DER certificate, lower-case hex without colons.
    public let sha256Fingerprint: String
    public let notAfter: Date

    public var caCertificate: String { directory + "/ca.pem" }
    public var certificate: String { directory + "/cert.pem" }
    public var key: String { directory + "/key.pem" }
    public var hostFile: String { directory + "/host" }

    /// The lines a user pastes: environment variables for one shell, or a named docker context.
    /// Paths are shell-quoted when needed; no key material is ever included.
    public func connectionInstructions(host: String) -> String {
        let context = Self.dockerContextName(name)
        let endpoint = ["host=" + host, "ca=" + caCertificate, "cert=" + certificate, "key=" + key]
            .map(ShellQuoting.csvField).joined(separator: ",")
        return """
            # Either for the current shell:
            export DOCKER_HOST=\(ShellQuoting.quote(host))
            export DOCKER_TLS_VERIFY=1
            export DOCKER_CERT_PATH=\(ShellQuoting.quote(directory))
            # or as a docker context (then: docker context use \(context)):
            docker context create \(context) --docker \(ShellQuoting.quote(endpoint, alwaysQuote: true))

            """
    }

    /// Docker context names must match `^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$`; the client name is used
    /// when it does, otherwise it is prefixed with `dockgate-` (e.g. one-letter names or `_x`).
    static func dockerContextName(_ name: String) -> String {
        let first = name.unicodeScalars.first
        let startsAlphanumeric = first.map { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) } ?? false
        return startsAlphanumeric && name.count >= 2 ? name : "dockgate-" + name
    }
}
