import Foundation
import DockgateTestSupport
import Testing
@testable import DockgateAudit

/// Talks to a fake journald bound at /run/systemd/journal/socket (see `FakeJournal`).
@Suite("JournalAuditSink", .serialized)
struct JournalAuditSinkTests {
    static let denial = AuditRecord(
        kind: .request, time: Date(timeIntervalSince1970: 1_795_595_401.123456), connectionID: 17, sequence: 2,
        clientAddress: "192.0.2.10", clientPort: 51_000, commonName: "alice", serial: "0F", fingerprint: "beef",
        policy: "developers", method: "POST", path: "/v1.47/containers/create", apiVersion: "1.47",
        group: "containers", action: "container.create", decision: .deny, rule: "no-privileged",
        reason: "privileged containers are not allowed", status: 403,
        details: [("image", .string("busybox")), ("privileged", .bool(true))])

    /// The structured fields arrive with their values, MESSAGE is a sentence, denials are
    /// PRIORITY=5, and DOCKGATE_RECORD carries the same JSON the file sink writes.
    @Test func structuredFieldsArrive() throws {
        let journal = try FakeJournal()
        try JournalAuditSink().write(Self.denial)
        let entry = try journal.receiveEntry()
        let fields = Dictionary(entry.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(entry.count == fields.count, "no field twice")

        #expect(fields["MESSAGE"] == "alice POST /v1.47/containers/create → deny: privileged containers are not allowed (403)")
        #expect(fields["DOCKGATE_USER"] == "alice")
        #expect(fields["DOCKGATE_ACTION"] == "container.create")
        #expect(fields["DOCKGATE_DECISION"] == "deny")
        #expect(fields["DOCKGATE_KIND"] == "request")
        #expect(fields["DOCKGATE_METHOD"] == "POST")
        #expect(fields["DOCKGATE_PATH"] == "/v1.47/containers/create")
        #expect(fields["DOCKGATE_STATUS"] == "403")
        #expect(fields["DOCKGATE_CONNECTION"] == "17")
        #expect(fields["DOCKGATE_CLIENT"] == "192.0.2.10:51000")
        #expect(fields["PRIORITY"] == "5")
        #expect(fields["SYSLOG_IDENTIFIER"] == "dockgate-audit")
        #expect(fields["DOCKGATE_RECORD"].map { $0 + "\n" } == AuditJSON.line(Self.denial))
    }

    /// A newline in a client-controlled value (here the CN and the path) cannot add a field.
    @Test func clientControlledNewlinesCannotForgeJournalFields() throws {
        let journal = try FakeJournal()
        var record = Self.denial
        record.commonName = "mallory\nDOCKGATE_USER=admin"
        record.path = "/containers/create\nDOCKGATE_DECISION=allow"
        try JournalAuditSink().write(record)
        let entry = try journal.receiveEntry()
        #expect(entry.filter { $0.name == "DOCKGATE_USER" }.map(\.value) == ["mallory\nDOCKGATE_USER=admin"])
        #expect(entry.filter { $0.name == "DOCKGATE_DECISION" }.map(\.value) == ["deny"])
    }

    /// Handshake failures are notices with the reason; allowed requests are info.
    @Test func prioritiesAndMessagesByKind() throws {
        let journal = try FakeJournal()
        let failure = AuditRecord(kind: .handshakeFailure, time: Date(), connectionID: 3,
                                  clientAddress: "::1", clientPort: 40_000, commonName: "eve",
                                  reason: "certificate revoked")
        var allowed = Self.denial
        allowed.decision = .allow
        allowed.reason = nil
        allowed.status = 201
        try JournalAuditSink().write(failure)
        try JournalAuditSink().write(allowed)
        let first = try journal.receiveEntry()
        let second = try journal.receiveEntry()
        #expect(first.first { $0.name == "PRIORITY" }?.value == "5")
        #expect(first.first { $0.name == "MESSAGE" }?.value
                == "TLS handshake from [::1]:40000 failed: certificate revoked (certificate CN=eve)")
        #expect(first.first { $0.name == "DOCKGATE_CLIENT" }?.value == "[::1]:40000")
        #expect(second.first { $0.name == "PRIORITY" }?.value == "6")
        #expect(second.first { $0.name == "MESSAGE" }?.value == "alice POST /v1.47/containers/create → allow (201)")
    }

    /// A batch is one entry per record, each with its own line (slices of the batch's one buffer).
    @Test func batchSendsOneEntryPerRecordWithItsOwnLine() throws {
        let journal = try FakeJournal()
        var second = Self.denial
        second.sequence = 3
        second.path = "/v1.47/containers/é\n/start"
        try JournalAuditSink().write(batch: [Self.denial, second])
        for record in [Self.denial, second] {
            let entry = try journal.receiveEntry()
            #expect(entry.first { $0.name == "DOCKGATE_RECORD" }.map { $0.value + "\n" } == AuditJSON.line(record))
        }
    }

    /// journald gone (no socket) or dead (socket nobody reads): the trail fails closed; back: recovered.
    @Test func journalOutageFailsClosedAndRecovers() throws {
        let journal = try FakeJournal()
        let trail = AuditTrail(sinks: [JournalAuditSink()]) { _, _ in }
        journal.stop()
        #expect(trail.record(Self.denial) == false)
        try journal.restart()
        #expect(trail.record(Self.denial) == true)
        #expect(try journal.receiveEntry().contains { $0.name == "DOCKGATE_USER" && $0.value == "alice" })
        journal.stopLeavingStaleSocket()
        #expect(trail.record(Self.denial) == false)
    }
}
