#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import DockgateAudit

@Suite("StdoutAuditSink")
struct StdoutAuditSinkTests {
    /// Each record is exactly its JSON line on stdout. Run in a child process so the test runner's
    /// own stdout stays clean.
    @Test func writesOneJSONLinePerRecord() async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let sink = StdoutAuditSink()
            try sink.write(JournalAuditSinkTests.denial)
            try sink.write(JournalAuditSinkTests.denial)
        }
        let expected = AuditJSON.line(JournalAuditSinkTests.denial)
        #expect(String(decoding: try #require(result).standardOutputContent, as: UTF8.self) == expected + expected)
    }

    /// An inherited non-blocking stdout whose reader is slower than the writer (more than a pipe's
    /// 64 KiB in one batch, so `write` meets EAGAIN): the sink waits for the reader and every
    /// line arrives whole and in order.
    @Test func nonBlockingPipeStillGetsWholeLines() async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let flags = fcntl(STDOUT_FILENO, F_GETFL)
            guard flags >= 0, fcntl(STDOUT_FILENO, F_SETFL, flags | O_NONBLOCK) == 0 else { exit(2) }
            try StdoutAuditSink().write(batch: StdoutAuditSinkTests.longRecords)
        }
        let expected = Self.longRecords.map(AuditJSON.line).joined()
        #expect(String(decoding: try #require(result).standardOutputContent, as: UTF8.self) == expected)
    }

    /// About 300 KiB of lines.
    static var longRecords: [AuditRecord] {
        (1...300).map { index in
            var record = JournalAuditSinkTests.denial
            record.sequence = index
            record.path = "/v1.47/containers/create?name=" + String(repeating: "x", count: 1_000)
            return record
        }
    }
}
