import ArgumentParser
import DockgatePKI
import Foundation

/// `dockgate pki …`: a small CA for a team: server certificate, client bundles, inventory.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki", abstract: "Create a CA and server certificate, issue and revoke client bundles.",
        subcommands: [Init.self, Issue.self, List.self, Revoke.self, RefreshCRL.self])

    struct Location: ParsableArguments {
        @Option(name: .long, help: "The PKI folder.")
        var dir: String = "/etc/dockgate/pki"
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the CA and the server certificate.")
        @OptionGroup var location: Location
        @Option(name: .customLong("dns"), help: "A DNS name clients use to reach this host (repeatable).")
        var dnsNames: [String] = []
        @Option(name: .customLong("ip"), help: "An IP address clients use to reach this host (repeatable).")
        var ipAddresses: [String] = []
        @Option(name: .long, help: "Key algorithm: ec-p256 or rsa-2048.")
        var algorithm: String = KeyAlgorithm.ecP256.rawValue
        @Option(name: .long, help: "Server certificate lifetime in days.")
        var days: Int = 825
        @Flag(name: .long, help: "Replace an existing PKI (every client bundle issued so far stops working).")
        var force = false

        func run() throws {
            guard let keyAlgorithm = KeyAlgorithm(rawValue: algorithm) else {
                throw ValidationError("--algorithm must be ec-p256 or rsa-2048")
            }
            let names = dnsNames.isEmpty && ipAddresses.isEmpty ? ["localhost"] : dnsNames
            let ips = dnsNames.isEmpty && ipAddresses.isEmpty ? ["127.0.0.1", "::1"] : ipAddresses
            let directory = PKIDirectory(root: location.dir)
            _ = try CertificateAuthority.initialize(
                directory, dnsNames: names, ipAddresses: ips, algorithm: keyAlgorithm, days: days, force: force)
            print("created \(directory.caCertificate), \(directory.serverCertificate), \(directory.serverKey) and \(directory.crl)")
        }
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a client bundle (ca.pem, cert.pem, key.pem, host).")
        @OptionGroup var location: Location
        @Argument(help: "The client name; it becomes the certificate CN that policies refer to.")
        var name: String
        @Option(name: .long, help: "Lifetime in days.")
        var days: Int = 365
        @Option(name: .long, help: "The address clients dial.")
        var host: String = "tcp://127.0.0.1:2376"

        func run() throws {
            let authority = try CertificateAuthority.load(PKIDirectory(root: location.dir))
            let bundle = try authority.issueClient(name: name, days: days, host: host)
            print(bundle.connectionInstructions(host: host))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issued certificates with expiry and revocation.")
        @OptionGroup var location: Location

        func run() throws {
            let authority = try CertificateAuthority.load(PKIDirectory(root: location.dir))
            let formatter = ISO8601DateFormatter()
            print("KIND    CN                               SERIAL                            NOT AFTER             REVOKED")
            for entry in try authority.listIssued() {
                let columns = [
                    "\(entry.kind)".padding(toLength: 7, withPad: " ", startingAt: 0),
                    entry.commonName.padding(toLength: 32, withPad: " ", startingAt: 0),
                    entry.serialHex.padding(toLength: 33, withPad: " ", startingAt: 0),
                    formatter.string(from: entry.notAfter).padding(toLength: 21, withPad: " ", startingAt: 0),
                    entry.revoked ? "yes" : "no",
                ]
                print(columns.joined(separator: " "))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a client's certificates (by name) or one certificate (by serial) and rewrite the CRL.")
        @OptionGroup var location: Location
        @Argument(help: "A client name (revokes all of its certificates) or a serial in hex, as `pki list` shows it.")
        var nameOrSerial: String
        @Flag(name: .long, help: "Allow revoking the server certificate (cuts off every client).")
        var allowServer = false

        func run() throws {
            let authority = try CertificateAuthority.load(PKIDirectory(root: location.dir))
            for entry in try authority.revoke(nameOrSerial: nameOrSerial, allowServer: allowServer) {
                print("revoked \(entry.kind) certificate CN=\(entry.commonName) serial \(entry.serialHex)")
            }
            print("wrote \(authority.directory.crl)")
            print("send SIGHUP to dockgate (systemctl reload dockgate) to apply")
        }
    }

    struct RefreshCRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh-crl",
            abstract: "Re-sign the CRL with a new 30-day validity (dockgate refuses every client once it expires).")
        @OptionGroup var location: Location

        func run() throws {
            let authority = try CertificateAuthority.load(PKIDirectory(root: location.dir))
            try authority.regenerateCRL()
            print("wrote \(authority.directory.crl)")
            print("send SIGHUP to dockgate (systemctl reload dockgate) to apply")
        }
    }
}
