import DockgateAudit
import Testing
@testable import DockgateAuditQuery

@Suite("search filters and the denial summary")
struct DenialAndSearchTests {
    static var records: [AuditRecord] { ContainerHistoryTests.trail.records }

    @Test func filtersCombine() {
        let requests = Self.records.filter { RecordFilter().admits($0) }
        #expect(requests.count == 14)
        #expect(Self.records.filter { RecordFilter(user: "bob").admits($0) }.count == 5)
        #expect(Self.records.filter { RecordFilter(user: "bob", decision: .deny).admits($0) }.map(\.action) == ["container.kill"])
        #expect(Self.records.filter { RecordFilter(action: "exec.*").admits($0) }.count == 4)
        #expect(Self.records.filter { RecordFilter(action: "exec.create", container: "web").admits($0) }.map(\.commonName) == ["developer"])
        #expect(Self.records.filter { RecordFilter(rule: "endpoints/*").admits($0) }.count == 1)
        let byID = Self.records.filter { RecordFilter(container: "3f2a1b9c0d4e").admits($0) }
        #expect(byID.map(\.action) == ["container.start", "container.attach"])
        let responses = Self.records.filter { RecordFilter(action: "container.create", kinds: [.response]).admits($0) }
        #expect(responses.count == 2 && responses.allSatisfy { $0.status == 201 })
    }

    @Test func denialsGroupByUserAndRuleWithAnExample() {
        var trail = Trail()
        for index in 0..<3 {
            trail.request("bob", "container.create", "/containers/create", details: [("name", .string("p\(index)"))],
                          deny: ("host-escape/privileged", "privileged containers are not allowed (\(index))"))
        }
        trail.request("bob", "exec.create", "/containers/x/exec", deny: ("host-escape/privileged", "privileged exec"))
        trail.request("carol", "volume.create", "/volumes/create", deny: ("endpoints/volumes", "no volumes"))
        trail.request("alice", "container.list", "/containers/json", method: "GET")
        var summary = DenialSummary()
        for record in trail.records { summary.consume(record) }
        let groups = summary.sortedGroups
        #expect(summary.total == 5)
        #expect(groups.map(\.user) == ["bob", "carol"])
        #expect(groups[0].count == 4 && groups[0].rule == "host-escape/privileged")
        #expect(groups[0].reason == "privileged containers are not allowed (0)")
        #expect(groups[0].actions == ["container.create", "exec.create"])
        #expect(groups[0].first < groups[0].last)
        let text = AuditReport.text(summary)
        #expect(text.hasPrefix("COUNT  USER   POLICY     RULE                    LAST"))
        #expect(text.hasSuffix("5 denied requests in 2 groups\n"))
    }
}
