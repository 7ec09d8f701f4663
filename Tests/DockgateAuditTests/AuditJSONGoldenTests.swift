import DockgateCore
import Foundation
import Testing
@testable import DockgateAudit

/// The byte encoder writes exactly what the String-based encoder it replaced wrote: these lines
/// were produced by that encoder (commit 5b42122) for `AuditGoldenRecords`, so the trail's format,
/// and everything that reads it (`dockgate audit`, log shippers), is unchanged.
@Suite("AuditJSON golden lines")
struct AuditJSONGoldenTests {
    static let golden: [(AuditRecord, String)] = [
        (
            AuditGoldenRecords.full,
            [
                "{\"time\":\"2026-11-25T08:30:01.123456Z\",\"kind\":\"request\",\"conn\":42,\"seq\":3,\"client\":\"2001:db8::7\",",
                "\"port\":50123,\"cn\":\"alice\",\"serial\":\"1A2B\",\"fingerprint\":\"ab12cd\",\"policy\":\"developers\",",
                "\"method\":\"POST\",\"path\":\"/containers/web/exec\",\"api_version\":\"1.47\",\"group\":\"exec\",",
                "\"action\":\"exec.create\",\"decision\":\"allow\",\"rule\":\"developers.exec\",\"status\":201,\"bytes_in\":180,",
                "\"bytes_out\":74,\"duration_us\":1532,\"details\":{\"container_id\":\"web\",\"cmd\":[\"sh\",\"-c\",",
                "\"echo hi > /tmp/x\"],\"user\":\"root\",\"tty\":false,\"privileged\":false,\"exec_id\":\"e5f0\",",
                "\"mounts\":{\"count\":2,\"binds\":[\"/srv:/srv:ro\"]}}}",
                "\n",
            ].joined()
        ),
        (
            AuditGoldenRecords.minimal,
            [
                "{\"time\":\"1969-12-31T23:59:59.500000Z\",\"kind\":\"handshake_failure\",\"conn\":0,\"client\":\"\",",
                "\"port\":0}",
                "\n",
            ].joined()
        ),
        (
            AuditGoldenRecords.hostile,
            [
                "{\"time\":\"2024-02-29T23:59:59.999999Z\",\"kind\":\"request\",\"conn\":9,\"seq\":1,\"client\":\"::ffff:192.0.2.1\",",
                "\"port\":65535,\"cn\":\"mallory\\\",\\\"decision\\\":\\\"allow\",\"serial\":\"\\\\x00\",\"fingerprint\":\"\",",
                "\"policy\":\"p\\u0000\\u001f\\u007f\",\"method\":\"GET\",\"path\":\"/containers/x/exec\\n{\\\"kind\\\":\\\"request\\\"}\\r\\n\\t\",",
                "\"api_version\":\"1.47\",\"decision\":\"deny\",\"rule\":\"r\\u0085\\u009f\u{A0}\",\"reason\":\"a\\u2028b\\u2029c\\u202ed\\ufeffe\\u061cf\\u200e\\u200f\\u2066\\u2069\",",
                "\"status\":403,\"details\":{\"cmd\":[\"sh\",\"-c\",\"x\\u2028\\\"},\\\"privileged\\\":true,{\\\"\"],",
                "\"k\\\"e\\\\y\\n\":\"\\u0008\\u000c\\u001b[31m\",\"empty\":[],\"nested\":{\"deeper\":{\"flag\":true,",
                "\"list\":[\"\"]}},\"empty_object\":{}}}",
                "\n",
            ].joined()
        ),
        (
            AuditGoldenRecords.unicode,
            [
                "{\"time\":\"2000-02-29T00:00:00.000001Z\",\"kind\":\"session_close\",\"conn\":77,\"seq\":12,\"client\":\"127.0.0.1\",",
                "\"port\":443,\"cn\":\"Jos\u{E9} \u{65E5}\u{672C} \u{1F433}\",\"serial\":\"00FF\",\"fingerprint\":\"ab:cd\",",
                "\"policy\":\"\u{E9}quipe\",\"method\":\"POST\",\"path\":\"/exec/\u{E9}/start\",\"group\":\"exec\",",
                "\"action\":\"exec.start\",\"reason\":\"stream ended \u{FC} \u{2027}\u{202F}\u{2065}\u{206A}\u{FEFE}\u{FFFD}\",",
                "\"bytes_in\":0,\"bytes_out\":18446744073709551615,\"duration_us\":1,\"details\":{\"exec_id\":\"e5f0\",",
                "\"exit_code\":-1,\"tty\":true}}",
                "\n",
            ].joined()
        ),
        (
            AuditGoldenRecords.extremes,
            [
                "{\"time\":\"10000-01-01T00:00:00.000000Z\",\"kind\":\"response\",\"conn\":18446744073709551615,\"seq\":-9223372036854775808,",
                "\"client\":\"10.0.0.5\",\"port\":1,\"status\":-1,\"bytes_in\":1,\"bytes_out\":10,\"duration_us\":0,",
                "\"details\":{\"min\":-9223372036854775808,\"max\":9223372036854775807,\"zero\":0}}",
                "\n",
            ].joined()
        ),
    ]

    @Test func encoderMatchesTheLinesOfThePreviousEncoder() {
        for (record, expected) in Self.golden {
            var bytes: [UInt8] = []
            AuditJSON.appendLine(record, to: &bytes)
            #expect(bytes == Array(expected.utf8))
            #expect(AuditJSON.line(record) == expected)
        }
    }

    /// Appending keeps what the buffer held: lines accumulate, one after the other.
    @Test func linesAppendToWhatTheBufferHolds() {
        var bytes: [UInt8] = []
        for (record, _) in Self.golden { AuditJSON.appendLine(record, to: &bytes) }
        #expect(bytes == Array(Self.golden.map(\.1).joined().utf8))
    }

    /// A record carrying its connection's pre-encoded identity writes the same line as without.
    @Test func identityFragmentGivesTheSameLines() {
        for (record, expected) in Self.golden {
            #expect(AuditJSON.line(Self.withFragment(record, policy: record.policy)) == expected)
            // A fragment made for another policy (or none) is used for the peer fields only.
            #expect(AuditJSON.line(Self.withFragment(record, policy: "other")) == expected)
            #expect(AuditJSON.line(Self.withFragment(record, policy: nil)) == expected)
        }
    }

    /// The record's fields are the truth: changed after the fragment was attached, they are what
    /// the line says.
    @Test func fieldsChangedAfterTheFragmentWinOverIt() {
        let fragment = AuditIdentityFragment(
            clientAddress: "192.0.2.1", clientPort: 4000,
            identity: ClientIdentity(commonName: "alice", subject: "CN=alice", subjectAlternativeNames: [],
                                     serialHex: "0A", sha256Fingerprint: "c0ffee"),
            policy: "developers")
        var record = AuditRecord(kind: .request, time: Date(timeIntervalSince1970: 0), connectionID: 5, identity: fragment)
        record.policy = "developers"
        let prefix = #"{"time":"1970-01-01T00:00:00.000000Z","kind":"request","conn":5,"#
        #expect(AuditJSON.line(record)
                == prefix + #""client":"192.0.2.1","port":4000,"cn":"alice","serial":"0A","fingerprint":"c0ffee","policy":"developers"}"# + "\n")
        record.commonName = "mallory\n"
        record.clientPort = 4001
        record.policy = nil
        #expect(AuditJSON.line(record)
                == prefix + #""client":"192.0.2.1","port":4001,"cn":"mallory\n","serial":"0A","fingerprint":"c0ffee"}"# + "\n")
        #expect(record.identityFragment != nil)
    }

    /// The same record with a fragment built from its own identity fields.
    static func withFragment(_ record: AuditRecord, policy: String?) -> AuditRecord {
        let fragment = AuditIdentityFragment(
            clientAddress: record.clientAddress, clientPort: record.clientPort, identity: nil, policy: policy)
        var copy = record
        // Built without a certificate, then given the record's own (possibly absent) ones.
        let certified = record.commonName.map {
            AuditIdentityFragment(
                clientAddress: record.clientAddress, clientPort: record.clientPort,
                identity: ClientIdentity(commonName: $0, subject: "", subjectAlternativeNames: [],
                                         serialHex: record.serial ?? "", sha256Fingerprint: record.fingerprint ?? ""),
                policy: policy)
        }
        copy.identityFragment = certified ?? fragment
        return copy
    }

    /// Years outside 0...9999 keep the previous encoder's (odd but stable) rendering.
    @Test func timestampsOutsideFourDigitYearsAreUnchanged() {
        let yearMinusTwo = Date(timeIntervalSince1970: -62_167_219_200 - 86_400 * 366)
        #expect(AuditTime.rfc3339(yearMinusTwo) == "00-2-12-31T00:00:00.000000Z")
    }
}
