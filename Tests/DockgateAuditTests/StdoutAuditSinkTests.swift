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
}
