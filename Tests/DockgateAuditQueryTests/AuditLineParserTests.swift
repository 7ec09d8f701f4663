import DockgateAudit
import Foundation
import Testing
@testable import DockgateAuditQuery

@Suite("Parsing trail lines")
struct AuditLineParserTests {
    static func parse(_ line: String) -> AuditRecord? {
        var line = line
        return line.withUTF8 { AuditLineParser.record($0) }
    }

    static let full = AuditRecord(
        kind: .sessionClose, time: Trail.time(1_795_595_401_123_456), connectionID: 42, sequence: 3,
        clientAddress: "2001:db8::7", clientPort: 50_123, commonName: "alice", serial: "1A2B", fingerprint: "ab12cd",
        policy: "admin", method: "POST", path: "/exec/e5f0/start", apiVersion: "1.47", group: "exec", action: "exec.start",
        decision: nil, rule: nil, reason: nil, status: 101, bytesIn: 180, bytesOut: 74, durationMicros: 1_532,
        details: [
            ("exec_id", .string("e5f0")), ("cmd", .strings(["sh", "-c", "echo \"hi\"\\n"])), ("tty", .bool(false)),
            ("count", .int(-7)), ("mounts", .object([("binds", .strings(["/srv:/srv:ro"]))])),
        ])

    /// Whatever AuditJSON writes reads back as the same record.
    @Test func roundTripsWhatTheSinkWrites() {
        #expect(Self.parse(AuditJSON.line(Self.full)) == Self.full)
        var hostile = Self.full
        hostile.commonName = "ev\u{1B}[2Jil\n\u{202E}cn\u{85}"
        hostile.reason = "quote \" backslash \\ tab \t emoji 🐳 nul \u{0}"
        hostile.details = [("cmd", .strings(["\u{2028}", "\u{FEFF}", "é"]))]
        #expect(Self.parse(AuditJSON.line(hostile)) == hostile)
    }

    @Test func keysInAnyOrderUnknownKeysAndNullsAreAccepted() {
        let line = #"{"kind":"request","future":{"a":[1,2.5,{"b":null}]},"conn":7,"cn":null,"time":"2026-11-25T08:30:01.000001Z","decision":"deny","status":403}"#
        let record = Self.parse(line)
        #expect(record?.kind == .request)
        #expect(record?.connectionID == 7)
        #expect(record?.commonName == nil)
        #expect(record?.decision == .deny)
        #expect(record.map(AuditTimestamp.micros(of:)) == AuditTimestamp.micros("2026-11-25T08:30:01.000001Z"))
    }

    /// Every decision word reads back as written; a word dockgate never writes makes the line unreadable.
    @Test func decisionWordsReadBack() {
        for decision in AuditRecord.Decision.allCases {
            let line = #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"decision":""# + decision.rawValue + #""}"#
            #expect(Self.parse(line)?.decision == decision)
        }
        #expect(Self.parse(#"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"decision":null}"#)?.decision == nil)
        #expect(Self.parse(#"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"decision":"maybe"}"#) == nil)
    }

    @Test func surrogatePairsDecode() {
        let line = #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"cn":"\ud83d\udc33 \u00e9"}"#
        #expect(Self.parse(line)?.commonName == "🐳 é")
    }

    @Test(arguments: [
        "", "not json", "[]", "{", #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1"#,
        #"{"kind":"request","conn":1}"#,                                                        // no time
        #"{"time":"2026-11-25T08:30:01.000001Z","conn":1}"#,                                     // no kind
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request"}"#,                             // no conn
        #"{"time":"yesterday","kind":"request","conn":1}"#,
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"launch","conn":1}"#,                     // unknown kind
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":-1}"#,
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"port":70000}"#,
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"status":"200"}"#,
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1} trailing"#,
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"cn":"a\ud800"}"#,  // lone surrogate
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"cn":"raw"#+"\u{1}"+#""}"#,
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":01}"#,
        #"{"time":"2026-11-25T08:30:01.000001Z","kind":"request","conn":1,"details":"#
            + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}",
    ])
    func malformedLinesAreNotRecords(_ line: String) {
        #expect(Self.parse(line) == nil)
    }

    @Test func leadingTimeReadsOnlyDockgatesOwnShape() {
        var line = AuditJSON.line(Self.full)
        #expect(line.withUTF8 { AuditLineParser.leadingTime($0) } == 1_795_595_401_123_456)
        line = #"{"kind":"request","time":"2026-11-25T08:30:01.123456Z","conn":1}"#
        #expect(line.withUTF8 { AuditLineParser.leadingTime($0) } == nil)
        line = #"{"time":"2026-11-25T08:30:01Z","kind":"request","conn":1}"#
        #expect(line.withUTF8 { AuditLineParser.leadingTime($0) } == nil)
    }
}
