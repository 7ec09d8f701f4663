import DockgateConfig
import DockgateCore
import DockgatePolicy
import Testing

/// Swift's `String ==` says `"\u{212A}ate" == "Kate"` (KELVIN SIGN is canonically equivalent to
/// K); the CA and dockgate's users compare bytes, so a look-alike CN or fingerprint names nobody.
private let configuration = Configuration(
    tls: .init(certificate: "c", key: "k", clientCA: "ca", revokedFingerprints: [String(repeating: "ab", count: 32)]),
    users: [
        .init(commonName: "Kate", policyName: "admin"),
        .init(commonName: "pinned", policyName: "admin", fingerprint: String(repeating: "0", count: 64)),
    ],
    policies: ["admin": Policy(name: "admin", isPrivileged: true)])

@Test func lookAlikeCommonNamesMatchNoUser() {
    #expect(configuration.user(commonName: "Kate") != nil)
    #expect("\u{212A}ate" == "Kate", "the premise: Swift calls these equal")
    #expect(configuration.user(commonName: "\u{212A}ate") == nil)
    #expect(configuration.policy(commonName: "\u{212A}ate", fingerprint: "") == nil)
}

@Test func lookAlikeFingerprintsDoNotPin() {
    // U+FF10 FULLWIDTH DIGIT ZERO is a hex digit to `Character.isHexDigit`, and not the byte "0".
    let fullWidth = String(repeating: "\u{FF10}", count: 64)
    #expect(configuration.policy(commonName: "pinned", fingerprint: String(repeating: "0", count: 64)) != nil)
    #expect(configuration.policy(commonName: "pinned", fingerprint: fullWidth) == nil)
}

@Test func configuredFingerprintsAreASCIIHex() {
    let yaml = """
        tls:
          certificate: /c.pem
          key: /k.pem
          client_ca: /ca.pem
          revoked_fingerprints: ["\(String(repeating: "\u{FF10}", count: 64))"]
        """
    #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml") }
}

@Test func printableASCIICheckIsBytewise() {
    #expect("alice".isPrintableASCII)
    #expect("Alice Smith".isPrintableASCII)
    #expect(!"\u{212A}ate".isPrintableASCII)
    #expect(!"".isPrintableASCII)
    #expect(!"a\u{7F}".isPrintableASCII)
    #expect(!"caf\u{E9}".isPrintableASCII)
}
