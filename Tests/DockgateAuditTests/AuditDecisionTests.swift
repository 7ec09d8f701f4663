@testable import DockgateAudit
import Foundation
import Testing

/// The decision words of the trail: `allow`, `deny`, `would-deny`, written and read back as such.
@Suite("AuditRecord.Decision")
struct AuditDecisionTests {
    @Test(arguments: AuditRecord.Decision.allCases)
    func rawValueRoundTrips(_ decision: AuditRecord.Decision) {
        #expect(AuditRecord.Decision(rawValue: decision.rawValue) == decision)
        #expect(AuditRecord.Decision(name: decision.rawValue) == decision)
    }

    @Test func wordsAreAsRecorded() {
        #expect(AuditRecord.Decision.allCases.map(\.rawValue) == ["allow", "deny", "would-deny"])
        #expect(AuditRecord.Decision(name: "wouldDeny") == nil)
        #expect(AuditRecord.Decision(name: "Allow") == nil)
    }

    @Test func theJSONLineCarriesTheWord() {
        var record = AuditRecord(kind: .request, time: Date(timeIntervalSince1970: 0), connectionID: 1, clientAddress: "127.0.0.1", clientPort: 1)
        record.decision = .wouldDeny
        let line = AuditJSON.line(record)
        #expect(line.contains(#""decision":"would-deny""#))
    }
}
