import DockgateConfig
import DockgateCore
import DockgateDocker
import DockgatePKI
import DockgatePolicy
import Foundation

/// Development mode: on first run, a local CA, a server certificate for this host and an `admin`
/// client bundle; on every run, a configuration that serves `admin` on loopback port 2376.
///
/// Meant for trying dockgate on one machine. Production hosts use `--config` (or
/// `/etc/dockgate/dockgate.yaml`) with `dockgate pki` or their own CA.
struct DevelopmentSetup {
    let directory: String
    static let clientName = "admin"
    static let listen = [SocketAddress.tcp(host: "127.0.0.1", port: 2376), SocketAddress.tcp(host: "::1", port: 2376)]

    /// The development user is the host's administrator: the same rights as the socket itself.
    static var administratorPolicy: Policy {
        Policy(
            name: "admin", endpoints: Dictionary(uniqueKeysWithValues: EndpointGroup.allCases.map { ($0, .write) }),
            allowsUnknownEndpoints: true, isPrivileged: true)
    }

    func prepare() throws -> Configuration {
        let pki = PKIDirectory(root: directory + "/pki")
        let authority: CertificateAuthority
        if pki.exists {
            authority = try CertificateAuthority.load(pki)
        } else {
            let hostName = ProcessInfo.processInfo.hostName
            let names = Array(Set(["localhost", hostName].filter { !$0.isEmpty })).sorted()
            authority = try CertificateAuthority.initialize(pki, dnsNames: names, ipAddresses: ["127.0.0.1", "::1"])
            printError("dockgate: development mode: created a CA and a server certificate in \(pki.root)")
        }
        // A PKI made before CRLs existed has none; a CRL also expires after 30 days.
        try authority.regenerateCRL()
        let bundlePath = pki.clientBundle(Self.clientName)
        if !FileManager.default.fileExists(atPath: bundlePath + "/cert.pem") {
            _ = try authority.issueClient(name: Self.clientName, days: 365, host: "tcp://127.0.0.1:2376")
        }
        return Configuration(
            listen: Self.listen,
            tls: .init(certificate: pki.serverCertificate, key: pki.serverKey, clientCA: pki.caCertificate, crl: pki.crl),
            users: [.init(commonName: Self.clientName, policyName: "admin")],
            policies: ["admin": Self.administratorPolicy])
    }

    /// How to reach the proxy with the development client bundle, for the first listen address.
    func printConnectionInstructions(listen: [SocketAddress]) {
        let bundle = URL(fileURLWithPath: PKIDirectory(root: directory + "/pki").clientBundle(Self.clientName))
            .standardizedFileURL.path
        let host = listen.first.map(\.description) ?? "tcp://127.0.0.1:2376"
        printError(
            """
            dockgate: development mode (no --config and no \(ServeCommand.systemConfigPath)).
            Connect with the "\(Self.clientName)" client bundle:

                export DOCKER_HOST=\(host) DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=\(bundle)
                docker version

            """)
    }
}
