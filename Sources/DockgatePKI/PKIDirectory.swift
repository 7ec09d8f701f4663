import Foundation

/// The on-disk layout of one PKI.
///
/// Every path is derived from `root` here and nowhere else, so the CLI, the proxy and the tests
/// cannot disagree about where the CA key or a client bundle lives.
public struct PKIDirectory: Sendable, Equatable {
    /// The directory holding the PKI, e.g. `/etc/dockgate/pki` or `./.dockgate-dev/pki`.
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The CA certificate (public; it is what clients and the proxy trust).
    public var caCertificate: String { root + "/ca.pem" }
    /// The CA private key, mode 0600: whoever reads it can mint client certificates.
    public var caKey: String { root + "/ca-key.pem" }
    /// The proxy's server certificate.
    public var serverCertificate: String { root + "/server-cert.pem" }
    /// The proxy's server key, mode 0600.
    public var serverKey: String { root + "/server-key.pem" }
    /// The record of issued certificates (serial, CN, kind, notAfter, revoked).
    public var index: String { root + "/index.json" }
    /// The certificate revocation list (PEM, 0644) the proxy checks client certificates against;
    /// rewritten by every revocation and by `regenerateCRL()`.
    public var crl: String { root + "/crl.pem" }
    /// The parent of all client bundles.
    public var clientsDirectory: String { root + "/clients" }

    /// The bundle directory for one client, laid out as `DOCKER_CERT_PATH` expects
    /// (`ca.pem`, `cert.pem`, `key.pem`).
    public func clientBundle(_ name: String) -> String {
        clientsDirectory + "/" + name
    }

    /// True when any file that `initialize` would write is already present, so that a second
    /// `init` cannot silently replace a CA that clients already trust.
    public var exists: Bool {
        let fileManager = FileManager.default
        return [caCertificate, caKey, serverCertificate, serverKey].contains { fileManager.fileExists(atPath: $0) }
    }

    /// `root` made absolute against the current directory: client instructions and `DOCKER_CERT_PATH`
    /// must keep working after the user `cd`s elsewhere.
    var absoluteRoot: String {
        let path = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
