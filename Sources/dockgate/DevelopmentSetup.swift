import DockgateConfig
import DockgateCore
import DockgateDocker
import DockgatePKI
import DockgatePolicy
import Foundation

/// Development mode: on first run, a local CA, a server certificate for this host, an `admin`
/// client bundle and a restricted `dev` bundle; on every run, a configuration that serves both on
/// loopback port 2376 and writes its audit trail to `audit.jsonl` in the development folder.
///
/// Meant for trying dockgate on one machine: `dev` shows in the first minute what a policy does
/// (`docker run busybox` works, `--privileged` is refused and both are on record). Production
/// hosts use `--config` (or `/etc/dockgate/dockgate.yaml`) with `dockgate pki` or their own CA.
struct DevelopmentSetup {
    let directory: String
    static let clientName = "admin"
    static let restrictedClientName = "dev"
    static let listen = [SocketAddress.tcp(host: "127.0.0.1", port: 2376), SocketAddress.tcp(host: "::1", port: 2376)]

    /// The example restricted policy: everyday container work on common images, read access to the
    /// rest a CLI needs, no host escape and no bind folders (so no nosymfollow mount to set up).
    static var developerPolicy: Policy {
        Policy(
            name: "developer",
            endpoints: [
                .containers: .write, .exec: .write, .images: .write, .volumes: .write,
                .networks: .read, .system: .read, .events: .read,
            ],
            images: ["busybox*", "alpine", "hello-world", "debian", "ubuntu", "python", "node", "golang", "nginx", "redis", "postgres"]
                .map { try! ImagePattern($0) })
    }

    var auditFile: String { URL(fileURLWithPath: directory + "/audit.jsonl").standardizedFileURL.path }

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
        // A development folder made before `dev` existed gets its bundle on the next start.
        for name in [Self.clientName, Self.restrictedClientName]
        where !FileManager.default.fileExists(atPath: pki.clientBundle(name) + "/cert.pem") {
            _ = try authority.issueClient(name: name, days: 365, host: "tcp://127.0.0.1:2376")
        }
        var configuration = Configuration(
            listen: Self.listen,
            tls: .init(certificate: pki.serverCertificate, key: pki.serverKey, clientCA: pki.caCertificate, crl: pki.crl),
            users: [
                .init(commonName: Self.clientName, policyName: "admin"),
                .init(commonName: Self.restrictedClientName, policyName: "developer"),
            ],
            policies: ["admin": Self.administratorPolicy, "developer": Self.developerPolicy])
        // On record from the first request; `dockgate audit` and `policy suggest` read this file.
        configuration.audit = .init(file: auditFile, stdout: true)
        return configuration
    }

    /// How to reach the proxy with the development client bundle, for the first listen address.
    func printConnectionInstructions(listen: [SocketAddress]) {
        func bundle(_ name: String) -> String {
            URL(fileURLWithPath: PKIDirectory(root: directory + "/pki").clientBundle(name)).standardizedFileURL.path
        }
        let host = listen.first.map(\.description) ?? "tcp://127.0.0.1:2376"
        printError(
            """
            dockgate: development mode (no --config and no \(ServeCommand.systemConfigPath)).
            Connect as "\(Self.clientName)" (everything the Docker socket allows):

                export DOCKER_HOST=\(host) DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=\(bundle(Self.clientName))

            or as "\(Self.restrictedClientName)" (policy "developer": containers, exec, images and volumes on busybox*,
            alpine, debian, ubuntu and a few more common images; no --privileged, no host namespaces, no binds):

                export DOCKER_HOST=\(host) DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=\(bundle(Self.restrictedClientName))
                docker run --rm busybox echo hi                 # allowed
                docker run --rm --privileged busybox true       # refused by dockgate

            Audit trail (JSON lines): \(auditFile)

            """)
    }
}
