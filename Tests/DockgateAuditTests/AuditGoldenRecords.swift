import Foundation
@testable import DockgateAudit

/// Records that exercise every branch of the encoder: every field, absent fields, negative and
/// extreme numbers, nested details, and strings that need each kind of escape. Their lines in
/// `AuditJSONGoldenTests` were produced by the String-based encoder this one replaced.
enum AuditGoldenRecords {
    static let all: [AuditRecord] = [full, minimal, hostile, unicode, extremes]

    static var full: AuditRecord { AuditJSONTests.execCreate }

    static let minimal = AuditRecord(
        kind: .handshakeFailure, time: Date(timeIntervalSince1970: -0.5), connectionID: 0,
        clientAddress: "", clientPort: 0)

    static let hostile = AuditRecord(
        kind: .request, time: Date(timeIntervalSince1970: 1_709_251_199.999999), connectionID: 9, sequence: 1,
        clientAddress: "::ffff:192.0.2.1", clientPort: 65_535,
        commonName: "mallory\",\"decision\":\"allow", serial: "\\x00", fingerprint: "",
        policy: "p\u{0}\u{1F}\u{7F}",
        method: "GET", path: "/containers/x/exec\n{\"kind\":\"request\"}\r\n\t", apiVersion: "1.47",
        decision: .deny, rule: "r\u{85}\u{9F}\u{A0}", reason: "a\u{2028}b\u{2029}c\u{202E}d\u{FEFF}e\u{061C}f\u{200E}\u{200F}\u{2066}\u{2069}",
        status: 403,
        details: [
            ("cmd", .strings(["sh", "-c", "x\u{2028}\"},\"privileged\":true,{\""])),
            ("k\"e\\y\n", .string("\u{8}\u{C}\u{1B}[31m")),
            ("empty", .strings([])),
            ("nested", .object([("deeper", .object([("flag", .bool(true)), ("list", .strings([""]))]))])),
            ("empty_object", .object([])),
        ])

    static let unicode = AuditRecord(
        kind: .sessionClose, time: Date(timeIntervalSince1970: 951_782_400.000001), connectionID: 77, sequence: 12,
        clientAddress: "127.0.0.1", clientPort: 443,
        commonName: "José 日本 🐳", serial: "00FF", fingerprint: "ab:cd", policy: "équipe",
        method: "POST", path: "/exec/é/start", group: "exec", action: "exec.start",
        reason: "stream ended ü \u{2027}\u{202F}\u{2065}\u{206A}\u{FEFE}\u{FFFD}",
        bytesIn: 0, bytesOut: UInt64.max, durationMicros: 1,
        details: [("exec_id", .string("e5f0")), ("exit_code", .int(-1)), ("tty", .bool(true))])

    static let extremes = AuditRecord(
        kind: .response, time: Date(timeIntervalSince1970: 253_402_300_799.999999), connectionID: UInt64.max,
        sequence: Int.min, clientAddress: "10.0.0.5", clientPort: 1,
        status: -1, bytesIn: 1, bytesOut: 10, durationMicros: 0,
        details: [("min", .int(Int64.min)), ("max", .int(Int64.max)), ("zero", .int(0))])
}
