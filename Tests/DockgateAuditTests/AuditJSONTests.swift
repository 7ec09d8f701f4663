import Foundation
import DockgateCore
import Testing
@testable import DockgateAudit

@Suite("AuditJSON")
struct AuditJSONTests {
    static let time = Date(timeIntervalSince1970: 1_795_595_401.123456)

    static var execCreate: AuditRecord {
        AuditRecord(
            kind: .request, time: time, connectionID: 42, sequence: 3,
            clientAddress: "2001:db8::7", clientPort: 50_123,
            commonName: "alice", serial: "1A2B", fingerprint: "ab12cd", policy: "developers",
            method: "POST", path: "/containers/web/exec", apiVersion: "1.47",
            group: "exec", action: "exec.create", decision: .allow, rule: "developers.exec",
            status: 201, bytesIn: 180, bytesOut: 74, durationMicros: 1_532,
            details: [
                ("container_id", .string("web")),
                ("cmd", .strings(["sh", "-c", "echo hi > /tmp/x"])),
                ("user", .string("root")),
                ("tty", .bool(false)),
                ("privileged", .bool(false)),
                ("exec_id", .string("e5f0")),
                ("mounts", .object([("count", .int(2)), ("binds", .strings(["/srv:/srv:ro"]))])),
            ])
    }

    /// The exact line for a representative record: fixed key order, numbers unquoted, details last.
    @Test func representativeRecordRendersExactly() {
        let expected = #"{"time":"2026-11-25T08:30:01.123456Z","kind":"request","conn":42,"seq":3,"#
            + #""client":"2001:db8::7","port":50123,"cn":"alice","serial":"1A2B","fingerprint":"ab12cd","#
            + #""policy":"developers","method":"POST","path":"/containers/web/exec","api_version":"1.47","#
            + #""group":"exec","action":"exec.create","decision":"allow","rule":"developers.exec","#
            + #""status":201,"bytes_in":180,"bytes_out":74,"duration_us":1532,"#
            + #""details":{"container_id":"web","cmd":["sh","-c","echo hi > /tmp/x"],"user":"root","#
            + #""tty":false,"privileged":false,"exec_id":"e5f0","#
            + #""mounts":{"count":2,"binds":["/srv:/srv:ro"]}}}"# + "\n"
        #expect(AuditJSON.line(Self.execCreate) == expected)
    }

    /// Absent values are omitted, not written as null; empty details are omitted too.
    @Test func absentFieldsAreOmitted() {
        let record = AuditRecord(kind: .connectionClose, time: Date(timeIntervalSince1970: 0), connectionID: 7,
                                 clientAddress: "10.0.0.5", clientPort: 50_000)
        #expect(AuditJSON.line(record)
                == #"{"time":"1970-01-01T00:00:00.000000Z","kind":"connection_close","conn":7,"client":"10.0.0.5","port":50000}"# + "\n")
    }

    /// Quotes, backslashes, every control character, NEL, U+2028/2029, bidi overrides and the BOM
    /// are escaped; other Unicode stays literal UTF-8.
    @Test func escapesEverythingThatCouldBreakOrDisguiseALine() {
        let nasty = "a\"b\\c\nd\re\tf\u{0}g\u{1B}[31mh\u{7F}i\u{85}j\u{2028}k\u{2029}l\u{202E}m\u{FEFF}n\u{8}o\u{C}p"
        var out: [UInt8] = []
        AuditJSON.appendString(nasty, to: &out)
        #expect(String(decoding: out, as: UTF8.self)
                == #""a\"b\\c\nd\re\tf\u0000g\u001b[31mh\u007fi\u0085j\u2028k\u2029l\u202em\ufeffn\u0008o\u000cp""#)
        var unicode: [UInt8] = []
        AuditJSON.appendString("é 日本 🐳 ü", to: &unicode)
        #expect(String(decoding: unicode, as: UTF8.self) == "\"é 日本 🐳 ü\"")
    }

    /// T-06: a CN, path or command crafted to close the string and add keys, or to start a new
    /// line, stays one value of one line; a JSON parser gets back exactly the original strings.
    @Test func clientControlledStringsCannotForgeFieldsOrLines() throws {
        var record = Self.execCreate
        record.commonName = "mallory\",\"decision\":\"allow"
        record.path = "/containers/x/exec\n{\"kind\":\"request\",\"cn\":\"admin\"}\r\n"
        record.decision = .deny
        record.details = [("cmd", .strings(["sh", "-c", "x\u{2028}\"},\"privileged\":true,{\""]))]
        let line = AuditJSON.line(record)
        #expect(line.filter { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }.count == 1)
        #expect(line.hasSuffix("}\n"))
        #expect(!line.unicodeScalars.contains("\u{2028}"))

        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["cn"] as? String == record.commonName)
        #expect(object["path"] as? String == record.path)
        #expect(object["decision"] as? String == "deny")
        let details = try #require(object["details"] as? [String: Any])
        #expect(details["cmd"] as? [String] == ["sh", "-c", "x\u{2028}\"},\"privileged\":true,{\""])
        #expect(details["privileged"] == nil)
    }

    /// RFC 3339, UTC, always six fractional digits; leap days and times before 1970 included.
    @Test(arguments: [
        (1_795_595_401.123456, "2026-11-25T08:30:01.123456Z"),
        (0, "1970-01-01T00:00:00.000000Z"),
        (1_709_251_199.999999, "2024-02-29T23:59:59.999999Z"),
        (951_782_400.000001, "2000-02-29T00:00:00.000001Z"),
        (-0.5, "1969-12-31T23:59:59.500000Z"),
    ])
    func timestampsAreRFC3339MicrosecondsUTC(_ seconds: Double, _ expected: String) {
        #expect(AuditTime.rfc3339(Date(timeIntervalSince1970: seconds)) == expected)
    }

    /// Equality compares details in order (tuples need a hand-written ==).
    @Test func equalityIncludesDetailsAndTheirOrder() {
        var reordered = Self.execCreate
        reordered.details.swapAt(0, 1)
        #expect(Self.execCreate == Self.execCreate)
        #expect(Self.execCreate != reordered)
        #expect(AuditValue.object([("a", .int(1))]) != AuditValue.object([("a", .int(2))]))
    }

    /// The certificate's CN, serial and fingerprint land in cn / serial / fingerprint.
    @Test func identityFillsCertificateFields() {
        var record = AuditRecord(kind: .request, time: Date(timeIntervalSince1970: 0), connectionID: 1,
                                 clientAddress: "127.0.0.1", clientPort: 1)
        record.setIdentity(ClientIdentity(commonName: "alice", subject: "CN=alice", subjectAlternativeNames: [],
                                          serialHex: "0A1B", sha256Fingerprint: "c0ffee"))
        #expect(AuditJSON.line(record).contains(#""cn":"alice","serial":"0A1B","fingerprint":"c0ffee""#))
        record.setIdentity(nil)
        #expect(record.commonName == nil && record.serial == nil && record.fingerprint == nil)
    }
}
