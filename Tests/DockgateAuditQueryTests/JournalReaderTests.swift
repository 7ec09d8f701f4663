import DockgateAudit
import Foundation
import Testing
@testable import DockgateAuditQuery

/// The journald source, on a real journal file: systemd-journal-remote turns the journal export
/// format into a journal file without any journald running, and `sd_journal_open_files` reads it.
@Suite("Reading records from a journal file")
struct JournalReaderTests {
    static let journalRemote = "/lib/systemd/systemd-journal-remote"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: journalRemote), "needs systemd-journal-remote"))
    func recordsComeFromDockgateEntriesOnly() throws {
        let dir = try TemporaryDirectory()
        let trail = ContainerHistoryTests.trail
        var export = ""
        for (index, record) in trail.records.enumerated() {
            let micros = AuditTimestamp.micros(of: record)
            export += "__REALTIME_TIMESTAMP=\(micros)\n__MONOTONIC_TIMESTAMP=\(index + 1)\n"
            export += "_BOOT_ID=0123456789abcdef0123456789abcdef\nSYSLOG_IDENTIFIER=dockgate-audit\n"
            export += "MESSAGE=record \(index)\nDOCKGATE_RECORD=\(AuditJSON.line(record))\n"
            if index == 3 {
                // Another program's entry, and a dockgate entry without the record field.
                export += "__REALTIME_TIMESTAMP=\(micros + 1)\n__MONOTONIC_TIMESTAMP=\(index + 1)\n"
                export += "_BOOT_ID=0123456789abcdef0123456789abcdef\nSYSLOG_IDENTIFIER=sshd\nDOCKGATE_RECORD=nope\n\n"
                export += "__REALTIME_TIMESTAMP=\(micros + 2)\n__MONOTONIC_TIMESTAMP=\(index + 1)\n"
                export += "_BOOT_ID=0123456789abcdef0123456789abcdef\nSYSLOG_IDENTIFIER=dockgate-audit\nMESSAGE=x\n\n"
            }
        }
        try dir.write("audit.export", export)
        try dir.run(Self.journalRemote, ["--output=" + dir.file("audit.journal"), dir.file("audit.export")])

        var scanner = AuditScanner()
        var history = ContainerHistory(query: "web")
        var count = 0
        scanner.scan(.journal(files: [dir.file("audit.journal")])) { record, _ in
            count += 1
            history.consume(record)
        }
        #expect(scanner.statistics.errors.isEmpty)
        #expect(count == trail.records.count)
        #expect(scanner.statistics.malformed == 1)
        #expect(history.events.map(\.action) == ContainerHistoryTests.expectedActions)

        // --since seeks: only the last records.
        let last = AuditTimestamp.micros(of: trail.records[trail.records.count - 2])
        var late = AuditScanner(window: TimeWindow(since: last))
        var lateCount = 0
        late.scan(.journal(files: [dir.file("audit.journal")])) { _, _ in lateCount += 1 }
        #expect(lateCount == 2)
    }

    @Test func aMissingJournalFileIsAnError() {
        var scanner = AuditScanner()
        scanner.scan(.journal(files: ["/nonexistent/x.journal"])) { _, _ in }
        #expect(scanner.statistics.errors.count == 1)
    }
}
