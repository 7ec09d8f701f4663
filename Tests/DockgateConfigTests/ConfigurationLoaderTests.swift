import DockgateConfig
import DockgateCore
import Testing

private let validTLS = """
    tls:
      certificate: /etc/dockgate/server-cert.pem
      key: /etc/dockgate/server-key.pem
      client_ca: /etc/dockgate/ca.pem
    """

/// A complete file is read into a complete configuration.
@Test func readsEverySetting() throws {
    let yaml = """
        listen:
          - tcp://127.0.0.1:2376
          - tcp://[::1]:2376
        upstream: unix:///run/docker.sock
        \(validTLS)
        timeouts:
          handshake: 5s
          request_head: 500ms
          idle: 2m
        users:
          - cn: alice
          - cn: bob
        """
    let configuration = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
    #expect(configuration.listen == [.tcp(host: "127.0.0.1", port: 2376), .tcp(host: "::1", port: 2376)])
    #expect(configuration.upstream == .unix(path: "/run/docker.sock"))
    #expect(configuration.tls.clientCA == "/etc/dockgate/ca.pem")
    #expect(configuration.limits.handshakeTimeout == 5)
    #expect(configuration.limits.requestHeadTimeout == 0.5)
    #expect(configuration.limits.idleTimeout == 120)
    #expect(configuration.users.map(\.commonName) == ["alice", "bob"])
}

/// Without listen and upstream the product defaults apply: port 2376 on IPv4 and IPv6, the Docker socket.
@Test func defaultsListenAndUpstream() throws {
    let configuration = try ConfigurationLoader.parse(yaml: validTLS, file: "t.yaml")
    #expect(configuration.listen == Configuration.defaultListen)
    #expect(configuration.upstream == .unix(path: "/var/run/docker.sock"))
    #expect(configuration.users.isEmpty)
}

/// A typo must not silently leave a default in force: unknown keys are errors with their line.
@Test func rejectsUnknownKeyWithItsLine() {
    let yaml = "\(validTLS)\nuserz:\n  - cn: alice\n"
    #expect {
        try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
    } throws: { error in
        let error = error as? ConfigurationError
        return error?.line == 5 && error?.message.contains("unknown key \"userz\"") == true
            && error?.description.hasPrefix("t.yaml:5:1") == true
    }
}

/// Each kind of mistake is refused with a message that names it.
@Test(arguments: [
    ("listen:\n  - 0.0.0.0:2376\n\(validTLS)", "expected tcp://"),
    ("listen: []\n\(validTLS)", "at least one address"),
    ("upstream: tcp://127.0.0.1:2375\n\(validTLS)", "upstream must be unix"),
    ("users:\n  - cn: alice\n", "missing required section \"tls\""),
    ("tls:\n  certificate: a\n  key: b\n", "missing required key \"client_ca\""),
    ("\(validTLS)\ntimeouts:\n  idle: soon\n", "positive duration"),
    ("\(validTLS)\nusers:\n  - cn: alice\n  - cn: alice\n", "listed twice"),
    ("\(validTLS)\nusers:\n  - cn: \"al ice\"\n", "printable ASCII"),
    ("\(validTLS)\nusers:\n  - name: alice\n", "unknown key \"name\""),
    ("tls: [1, 2]\n", "tls must be a mapping"),
    ("listen: [\n", "not valid YAML"),
])
func rejectsInvalidConfiguration(yaml: String, expected: String) {
    #expect {
        try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
    } throws: { error in
        "\(error)".contains(expected)
    }
}

/// Addresses are written as URLs; IPv6 hosts in brackets.
@Test func parsesSocketAddresses() throws {
    #expect(try SocketAddress(parsing: "tcp://[::]:2376") == .tcp(host: "::", port: 2376))
    #expect(try SocketAddress(parsing: "unix:///var/run/docker.sock") == .unix(path: "/var/run/docker.sock"))
    #expect(throws: SocketAddress.ParseError.self) { try SocketAddress(parsing: "tcp://host:99999") }
    #expect(throws: SocketAddress.ParseError.self) { try SocketAddress(parsing: "unix://relative.sock") }
}
