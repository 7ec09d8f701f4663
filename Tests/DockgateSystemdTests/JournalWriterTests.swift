#if canImport(Glibc)
import Glibc
#endif
import DockgateTestSupport
import Testing
@testable import DockgateSystemd

/// Talks to a fake journald bound at /run/systemd/journal/socket (see `FakeJournal`).
@Suite("JournalWriter", .serialized)
struct JournalWriterTests {
    /// Every field arrives intact and in order; a value containing a newline travels in the binary
    /// form, so text after its newline that looks like a field does not become one.
    @Test func fieldsArriveIntactAndNewlinesCannotForgeFields() throws {
        let journal = try FakeJournal()
        let forged = "alice\nDOCKGATE_DECISION=allow\nPRIORITY=0"
        try JournalWriter.send([
            JournalField(name: "MESSAGE", value: "alice POST /containers/create → deny"),
            JournalField(name: "DOCKGATE_USER", value: forged),
            JournalField(name: "DOCKGATE_PATH", value: "/v1.47/containers/json?filters={\"a\":1}&x=y"),
            JournalField(name: "DOCKGATE_EMPTY", value: ""),
            JournalField(name: "SYSLOG_IDENTIFIER", value: "dockgate-test"),
        ])
        let datagram = try journal.receiveDatagram()
        let text = String(decoding: datagram, as: UTF8.self)
        #expect(text.hasPrefix("MESSAGE=alice POST /containers/create → deny\n"), "simple form")
        #expect(text.contains("\nDOCKGATE_USER\n"), "binary form for the value with newlines")

        let entry = try JournalDatagram.parse(datagram).map { ($0.0, String(decoding: $0.1, as: UTF8.self)) }
        #expect(entry.map(\.0) == ["MESSAGE", "DOCKGATE_USER", "DOCKGATE_PATH", "DOCKGATE_EMPTY", "SYSLOG_IDENTIFIER"])
        #expect(entry.map(\.1) == [
            "alice POST /containers/create → deny", forged, "/v1.47/containers/json?filters={\"a\":1}&x=y", "",
            "dockgate-test",
        ])
        #expect(!entry.contains { $0.0 == "DOCKGATE_DECISION" || $0.0 == "PRIORITY" })
    }

    /// libsystemd reports success when the journal socket is missing ("fail silently"); an audit
    /// trail must hear about it, so the writer throws `.notRunning`.
    @Test func missingJournalSocketIsAnError() throws {
        let journal = try FakeJournal()
        journal.stop()
        #expect(throws: JournalError.notRunning(socketPath: "/run/systemd/journal/socket")) {
            try JournalWriter.send([JournalField(name: "MESSAGE", value: "lost?")])
        }
        try journal.restart()
        try JournalWriter.send([JournalField(name: "MESSAGE", value: "back")])
        #expect(try journal.receiveEntry().first?.value == "back")
    }

    /// A socket file nobody reads (journald died) is `ECONNREFUSED` from `sd_journal_sendv`.
    @Test func staleJournalSocketIsConnectionRefused() throws {
        let journal = try FakeJournal()
        journal.stopLeavingStaleSocket()
        #expect(throws: JournalError.sendFailed(errno: ECONNREFUSED)) {
            try JournalWriter.send([JournalField(name: "MESSAGE", value: "lost?")])
        }
    }

    @Test func anEntryNeedsAField() {
        #expect(throws: JournalError.empty) { try JournalWriter.send([]) }
    }
}
