import DockgateCore
import DockgateDocker
import DockgatePolicy
import Testing

/// Each decision that depends on a name compares bytes: a canonically equivalent spelling
/// (KELVIN SIGN U+212A for K, GREEK QUESTION MARK U+037E for ";", a composed versus decomposed
/// accent) is another name to Go and dockerd, and so to dockgate.
@Test func byteComparisonsAreNotCanonicalEquivalence() {
    #expect("\u{212A}" == "K" && !"\u{212A}".hasSameBytes(as: "K"))
    #expect("caf\u{E9}" == "cafe\u{301}" && !"caf\u{E9}".hasSameBytes(as: "cafe\u{301}"))
    #expect(!"\u{212A}ILL".startsWithBytes(of: "KI"))
    #expect(!["CAP_KILL"].containsBytes(of: "CAP_\u{212A}ILL"))
    #expect(Set(["CAP_KILL"]).contains("CAP_\u{212A}ILL"), "the premise: a Set<String> matches it")
}

/// A capability allowlist entry is not granted by a look-alike name.
@Test func capabilityLookAlikesAreRefused() {
    var policy = Policies.developer
    policy.capabilities = ["CAP_KILL", "CAP_BLOCK_SUSPEND"]
    let allowed = decide(policy, "POST", "/v1.41/containers/create", body: createBody(hostConfig: #"{"CapAdd":["KILL"]}"#))
    #expect(allowed.isAllowed, "\(allowed)")
    for name in ["\u{212A}ILL", "CAP_\u{212A}ILL", "BLOC\u{212A}_SUSPEND"] {
        let decision = decide(policy, "POST", "/v1.41/containers/create", body: createBody(hostConfig: "{\"CapAdd\":[\"\(name)\"]}"))
        #expect(decision.rule == "host-escape/capabilities", "\(name): \(decision)")
    }
}

/// Image allowlist patterns match references byte for byte.
@Test func imageLookAlikesAreRefused() {
    var policy = Policies.developer
    policy.images = [try! ImagePattern("kafka*")]
    #expect(decide(policy, "POST", "/v1.41/containers/create", body: createBody(image: "kafka:3")).isAllowed)
    for image in ["\u{212A}afka:3", "kafka\u{037E}3"] {
        #expect(!decide(policy, "POST", "/v1.41/containers/create", body: createBody(image: image)).isAllowed, "\(image)")
        #expect(!decide(policy, "POST", "/v1.41/images/create?fromImage=\(image.addingPercentEncodingForQuery)").isAllowed, "\(image)")
    }
}

/// Values dockgate allows by name (drivers, security options, namespace modes) are matched exactly.
@Test(arguments: [
    #"{"SecurityOpt":["no-new-privileges\u037Etrue"]}"#,
    #"{"LogConfig":{"Type":"loca\u006C\u0301"}}"#,
    #"{"Runtime":"run\u0063\u0327"}"#,
    #"{"VolumeDriver":"loca\u006C\u0301"}"#,
    #"{"IpcMode":"privat\u0065\u0301"}"#,
])
func allowlistLookAlikesAreRefused(hostConfig: String) {
    let decision = decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(hostConfig: hostConfig))
    #expect(!decision.isAllowed, "\(hostConfig): \(decision)")
}

/// A route literal is matched by bytes: `k\u{212A}ill`-like segments are not the kill route.
@Test func routeLiteralLookAlikes() throws {
    let real = try RequestCanonicalizer.canonicalize(method: "POST", target: "/v1.41/containers/c1/kill")
    #expect(real.route?.action == .containerKill)
    let lookAlike = try? RequestCanonicalizer.canonicalize(method: "POST", target: "/v1.41/containers/c1/%E2%84%AAill")
    #expect(lookAlike?.route?.action != .containerKill)
}

/// Query names are Go map keys: only the exact bytes name a parameter.
@Test func queryNameLookAlikes() throws {
    let query = try QueryParameters(rawQuery: "%E2%84%AAeep=1&networkmode=host")
    #expect(query.first("Keep") == nil)
    var builder = Policies.developer
    builder.images = nil
    builder.endpoints[.build] = .write
    let real = decide(builder, "POST", "/v1.41/build?t=x&networkmode=host", contentType: "application/x-tar")
    #expect(real.rule == "host-escape/build-network")
    // dockerd ignores a parameter it does not know, so this build runs on the default network.
    let lookAlike = decide(builder, "POST", "/v1.41/build?t=x&networ%E2%84%AAmode=host", contentType: "application/x-tar")
    #expect(lookAlike.isAllowed, "\(lookAlike)")
}

extension String {
    fileprivate var addingPercentEncodingForQuery: String {
        utf8.map { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x3A
                ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true)
        }.joined()
    }
}
