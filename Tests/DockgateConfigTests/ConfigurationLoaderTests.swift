import DockgateConfig
import DockgateCore
import Testing

private let onePolicy = "policies:\n  p:\n    endpoints: {containers: read}\n"

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
        policies:
          admin:
            endpoints: all
            privileged: true
          developer:
            endpoints: {containers: write, exec: write, images: read}
            images: ["busybox*"]
            bind_mounts: ["/srv/dev/"]
            capabilities: [net_admin]
        users:
          - cn: alice
            policy: developer
            fingerprint: "AB:CD:ef0123456789ef0123456789ef0123456789ef0123456789ef0123456789"
          - cn: bob
            policy: admin
        """
    let configuration = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
    #expect(configuration.listen == [.tcp(host: "127.0.0.1", port: 2376), .tcp(host: "::1", port: 2376)])
    #expect(configuration.upstream == .unix(path: "/run/docker.sock"))
    #expect(configuration.tls.clientCA == "/etc/dockgate/ca.pem")
    #expect(configuration.limits.handshakeTimeout == 5)
    #expect(configuration.limits.requestHeadTimeout == 0.5)
    #expect(configuration.limits.idleTimeout == 120)
    #expect(configuration.users.map(\.commonName) == ["alice", "bob"])
    #expect(configuration.users[0].fingerprint == "abcdef0123456789ef0123456789ef0123456789ef0123456789ef0123456789")
    let developer = try #require(configuration.policies["developer"])
    #expect(developer.access(to: .containers) == .write)
    #expect(developer.access(to: .images) == .read)
    #expect(developer.access(to: .build) == .none)
    #expect(developer.bindMountRoots == ["/srv/dev"])
    #expect(developer.capabilities == ["CAP_NET_ADMIN"])
    #expect(developer.images?.count == 1)
    #expect(configuration.policies["admin"]?.isPrivileged == true)
    #expect(configuration.policies["admin"]?.allowsUnknownEndpoints == true)
    #expect(configuration.requiresNoSymlinkFollowingBindRoots)
}

/// The nosymfollow requirement is on unless the file turns it off, by name.
@Test func readsTheNosymfollowOptOut() throws {
    let yaml = "\(validTLS)\nbind_mounts:\n  require_nosymfollow: false\n"
    #expect(try !ConfigurationLoader.parse(yaml: yaml, file: "t.yaml").requiresNoSymlinkFollowingBindRoots)
    #expect(throws: ConfigurationError.self) {
        try ConfigurationLoader.parse(yaml: "\(validTLS)\nbind_mounts:\n  require_nosymfolow: false\n", file: "t.yaml")
    }
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
    ("\(validTLS)\n\(onePolicy)users:\n  - cn: alice\n    policy: p\n  - cn: alice\n    policy: p\n", "listed twice"),
    ("\(validTLS)\n\(onePolicy)users:\n  - cn: \"al ice\"\n    policy: p\n", "printable ASCII"),
    ("\(validTLS)\nusers:\n  - cn: alice\n", "missing required key \"policy\""),
    ("\(validTLS)\n\(onePolicy)users:\n  - cn: alice\n    policy: missing\n", "names policy \"missing\", which is not defined"),
    ("\(validTLS)\npolicies:\n  p:\n    images: [\"BusyBox\"]\n", "invalid image pattern \"BusyBox\""),
    ("\(validTLS)\npolicies:\n  p:\n    imagez: []\n", "unknown key \"imagez\" in policy \"p\""),
    ("\(validTLS)\npolicies:\n  p:\n    endpoints: {containerz: read}\n", "unknown key \"containerz\""),
    ("\(validTLS)\npolicies:\n  p:\n    endpoints: {containers: admin}\n", "must be none, read or write"),
    ("\(validTLS)\npolicies:\n  p:\n    read_only: true\n    endpoints: {containers: write}\n", "read_only but grants write"),
    ("\(validTLS)\npolicies:\n  p:\n    bind_mounts: [\"/\"]\n", "bind_mounts entries must be absolute"),
    ("\(validTLS)\npolicies:\n  p:\n    capabilities: [ALL]\n", "capability ALL cannot be allowed"),
    ("\(validTLS)\npolicies:\n  p:\n    privileged: yes please\n", "must be true or false"),
    ("\(validTLS)\n\(onePolicy)users:\n  - cn: a\n    policy: p\n    fingerprint: abc\n", "a fingerprint must be a SHA-256"),
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

/// Client leaves without any Extended Key Usage are refused unless the file says the CA omits it;
/// the switch is off when absent, and takes only true or false (a typo must not turn it on).
@Test func readsTheAbsentEKUSwitch() throws {
    let byDefault = try ConfigurationLoader.parse(yaml: validTLS, file: "t.yaml")
    #expect(byDefault.tls.allowClientCertificatesWithoutEKU == false)
    let on = try ConfigurationLoader.parse(yaml: validTLS + "\n  allow_client_certificates_without_eku: true\n", file: "t.yaml")
    #expect(on.tls.allowClientCertificatesWithoutEKU == true)
    let off = try ConfigurationLoader.parse(yaml: validTLS + "\n  allow_client_certificates_without_eku: false\n", file: "t.yaml")
    #expect(off.tls.allowClientCertificatesWithoutEKU == false)
    #expect {
        try ConfigurationLoader.parse(yaml: validTLS + "\n  allow_client_certificates_without_eku: yes\n", file: "t.yaml")
    } throws: { error in
        "\(error)".contains("tls.allow_client_certificates_without_eku must be true or false")
    }
    #expect {
        try ConfigurationLoader.parse(yaml: validTLS + "\n  allow_client_certificate_without_eku: true\n", file: "t.yaml")
    } throws: { error in
        "\(error)".contains("unknown key \"allow_client_certificate_without_eku\"")
    }
}

/// `metrics.listen`: off by default; a unix socket or a numeric loopback TCP address; anything
/// reachable from the network, a host name, port 0 or the mutual-TLS port is refused.
@Test func readsTheMetricsListener() throws {
    #expect(try ConfigurationLoader.parse(yaml: validTLS, file: "t.yaml").metrics == nil)
    let unix = try ConfigurationLoader.parse(yaml: "\(validTLS)\nmetrics:\n  listen: unix:///run/dockgate/metrics.sock\n", file: "t.yaml")
    #expect(unix.metrics?.listen == .unix(path: "/run/dockgate/metrics.sock"))
    for good in ["tcp://127.0.0.1:9376", "tcp://127.8.9.10:9376", "tcp://[::1]:9376"] {
        let parsed = try ConfigurationLoader.parse(yaml: "\(validTLS)\nmetrics:\n  listen: \"\(good)\"\n", file: "t.yaml")
        #expect(parsed.metrics?.listen.description == good)
    }
    for bad in ["tcp://0.0.0.0:9376", "tcp://[::]:9376", "tcp://10.1.2.3:9376", "tcp://localhost:9376", "tcp://[::ffff:10.0.0.1]:9376",
                "tcp://127.0.0.1:0", "tcp://127.0.0.1:2376", "relative.sock"]
    {
        #expect(throws: ConfigurationError.self, "\(bad)") {
            try ConfigurationLoader.parse(yaml: "\(validTLS)\nmetrics:\n  listen: \"\(bad)\"\n", file: "t.yaml")
        }
    }
    do {
        _ = try ConfigurationLoader.parse(yaml: "\(validTLS)\nmetrics:\n  listen: tcp://0.0.0.0:9376\n", file: "t.yaml")
        Issue.record("a non-loopback metrics address was accepted")
    } catch {
        #expect(error.line == 6)
        #expect(error.message.contains("loopback"))
    }
    #expect(throws: ConfigurationError.self) {
        try ConfigurationLoader.parse(yaml: "\(validTLS)\nmetrics:\n  listne: tcp://127.0.0.1:9376\n", file: "t.yaml")
    }
    #expect(throws: ConfigurationError.self) {
        try ConfigurationLoader.parse(yaml: "\(validTLS)\nmetrics: {}\n", file: "t.yaml")
    }
}

/// `observe: true` on a policy or on one user; anything but a boolean is refused with its place.
@Test func readsObserveOnPoliciesAndUsers() throws {
    let yaml = """
        \(validTLS)
        policies:
          trial: {observe: true, endpoints: {containers: read}}
          plain: {endpoints: {containers: read}}
        users:
          - {cn: a, policy: trial}
          - {cn: b, policy: plain, observe: true}
          - {cn: c, policy: plain}
        """
    let configuration = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
    let trial = try #require(configuration.policies["trial"])
    let plain = try #require(configuration.policies["plain"])
    #expect(trial.isObserved && !plain.isObserved)
    #expect(configuration.user(commonName: "a")?.isObserved(under: trial) == true)
    #expect(configuration.user(commonName: "b")?.isObserved(under: plain) == true)
    #expect(configuration.user(commonName: "c")?.isObserved(under: plain) == false)
    #expect(throws: ConfigurationError.self) {
        try ConfigurationLoader.parse(yaml: validTLS + "\npolicies:\n  p: {observe: maybe}\n", file: "t.yaml")
    }
}
