import DockgateAudit
import Testing
@testable import DockgateAuditQuery

@Suite("who-ran: the chain of one container")
struct ContainerHistoryTests {
    static let webID = "3f2a1b9c0d4e" + String(repeating: "a", count: 52)
    static let otherID = "9c8b7a6d5e4f" + String(repeating: "b", count: 52)
    static let execID = "e1" + String(repeating: "c", count: 62)

    /// alice runs web, developer execs into it and attaches, bob is denied a kill, alice stops and
    /// removes it; an unrelated container and exec run alongside.
    static var trail: Trail {
        var trail = Trail()
        trail.request("alice", "container.create", "/containers/create",
                      details: [("name", .string("web")), ("image", .string("busybox")), ("cmd", .strings(["sleep", "60"]))],
                      status: 201, created: [("container_id", .string(webID))])
        trail.request("bob", "container.create", "/containers/create",
                      details: [("name", .string("db")), ("image", .string("redis"))], status: 201,
                      created: [("container_id", .string(otherID))])
        trail.request("alice", "container.start", "/containers/\(webID)/start", details: [("container", .string(webID))], status: 204)
        trail.request("alice", "container.inspect", "/containers/web/json", method: "GET", details: [("container", .string("web"))])
        trail.request("developer", "exec.create", "/containers/web/exec",
                      details: [("container", .string("web")), ("cmd", .strings(["sh", "-c", "id"])), ("user", .string("root"))],
                      status: 201, created: [("exec_id", .string(execID))])
        trail.request("bob", "exec.create", "/containers/db/exec", details: [("container", .string("db")), ("cmd", .strings(["redis-cli"]))],
                      status: 201, created: [("exec_id", .string("ffff"))])
        trail.request("developer", "exec.start", "/exec/\(execID)/start", details: [("exec_id", .string(execID))],
                      status: 101, session: (bytesIn: 5, bytesOut: 1_234, micros: 2_500_000))
        trail.request("bob", "exec.start", "/exec/ffff/start", details: [("exec_id", .string("ffff"))], status: 101, session: (1, 1, 1))
        trail.request("developer", "container.attach", "/containers/3f2a1b/attach", details: [("container", .string("3f2a1b"))],
                      status: 101, session: (bytesIn: 0, bytesOut: 99, micros: 1_000_000))
        trail.request("developer", "container.logs", "/containers/web/logs", method: "GET", details: [("container", .string("/web"))])
        trail.request("bob", "container.kill", "/containers/web/kill", details: [("container", .string("web"))],
                      deny: ("endpoints/containers-read", "policy developer grants containers: read"))
        trail.request("alice", "container.stop", "/containers/web/stop", details: [("container", .string("web"))], status: 204)
        trail.request("alice", "container.delete", "/containers/web", method: "DELETE", details: [("container", .string("web"))], status: 204)
        trail.request("bob", "container.delete", "/containers/db", method: "DELETE", details: [("container", .string("db"))], status: 204)
        return trail
    }

    static func history(_ query: String, _ trail: Trail = trail, routine: Bool = false) -> ContainerHistory {
        var history = ContainerHistory(query: query, includeRoutine: routine)
        for record in trail.records { history.consume(record) }
        return history
    }

    static let expectedActions = [
        "container.create", "container.start", "exec.create", "exec.start", "container.attach", "container.logs",
        "container.kill", "container.stop", "container.delete",
    ]

    @Test(arguments: ["web", "/web", webID, "3f2a1b9c", "3f2a"])
    func theChainIsTheSameByNameIdOrPrefix(_ query: String) {
        let history = Self.history(query)
        #expect(history.events.map(\.action) == Self.expectedActions)
        #expect(history.containers.map(\.id) == [Self.webID])
        #expect(history.containers.map(\.name) == ["web"])
    }

    @Test func eventsCarryWhoWhatAndHowMuch() {
        let events = Self.history("web").events
        let create = events[0]
        #expect(create.user == "alice" && create.image == "busybox" && create.command == ["sleep", "60"])
        #expect(create.status == 201 && create.containerID == Self.webID && create.name == "web")
        let exec = events[3]
        #expect(exec.user == "developer" && exec.execID == Self.execID)
        #expect(exec.command == ["sh", "-c", "id"] && exec.execUser == "root")
        #expect(exec.bytesOut == 1_234 && exec.durationMicros == 2_500_000 && exec.containerID == Self.webID)
        let attach = events[4]
        #expect(attach.bytesOut == 99 && attach.durationMicros == 1_000_000 && attach.reference == "3f2a1b")
        let kill = events[6]
        #expect(kill.user == "bob" && kill.decision == "deny" && kill.status == 403 && kill.rule == "endpoints/containers-read")
        #expect(events.allSatisfy { $0.containerID == Self.webID })
    }

    @Test func routineReadsOnlyWhenAskedFor() {
        #expect(Self.history("web", routine: true).events.map(\.action).contains("container.inspect"))
    }

    @Test func theOtherContainerHasItsOwnChain() {
        #expect(Self.history("db").events.map(\.user) == ["bob", "bob", "bob", "bob"])
        #expect(Self.history("db").events.map(\.action) == ["container.create", "exec.create", "exec.start", "container.delete"])
    }

    @Test func aReusedNameFollowsEachContainerByItsId() {
        var trail = Self.trail
        let secondID = "5555" + String(repeating: "d", count: 60)
        trail.request("developer", "container.create", "/containers/create", details: [("name", .string("web"))], status: 201,
                      created: [("container_id", .string(secondID))])
        trail.request("developer", "container.start", "/containers/web/start", details: [("container", .string("web"))], status: 204)
        let byName = Self.history("web", trail)
        #expect(byName.containers.map(\.id) == [Self.webID, secondID])
        #expect(byName.events.suffix(2).map(\.containerID) == [secondID, secondID])
        let bySecondID = Self.history("5555", trail)
        #expect(bySecondID.events.map(\.action) == ["container.create", "container.start"])
        #expect(bySecondID.events[0].user == "developer")
        let byFirstID = Self.history("3f2a1b9c", trail)
        #expect(byFirstID.events.map(\.action) == Self.expectedActions)
    }

    @Test func aContainerCreatedBeforeTheTrailIsFoundByWhatRequestsCallIt() {
        var trail = Trail()
        trail.request("alice", "container.stop", "/containers/old/stop", details: [("container", .string("old"))], status: 204)
        trail.request("alice", "container.delete", "/containers/0123abcd", method: "DELETE", details: [("container", .string("0123abcd"))], status: 204)
        #expect(Self.history("old", trail).events.map(\.action) == ["container.stop"])
        #expect(Self.history("0123abcdef", trail).events.map(\.action) == ["container.delete"])
        #expect(Self.history("old", trail).containers.isEmpty)
    }

    @Test func aDeniedCreateIsShownByName() {
        var trail = Trail()
        trail.request("developer", "container.create", "/containers/create",
                      details: [("name", .string("priv")), ("privileged", .bool(true))],
                      deny: ("host-escape/privileged", "privileged containers are not allowed"))
        let events = Self.history("priv", trail).events
        #expect(events.count == 1 && events[0].decision == "deny" && events[0].rule == "host-escape/privileged")
    }

    @Test func textAndJSONRenderTheChain() throws {
        let history = Self.history("web")
        let text = AuditReport.text(history)
        #expect(text.hasPrefix("container web: id \(Self.webID)\n"))
        #expect(text.contains("exec.start        allow 101  cmd=\"sh -c id\" user=root exec=e1cccccccccc in=5 B out=1234 B 2500 ms"))
        #expect(text.contains("bob        container.kill    deny 403   rule=endpoints/containers-read reason: policy developer grants containers: read"))
        let json = try AuditReport.json(history)
        #expect(json.contains("\"exec_id\" : \"\(Self.execID)\""))
        #expect(json.contains("\"cmd\" : ["))
    }

    @Test func terminalControlsInNamesAreShownEscaped() {
        #expect(AuditReport.printable("a\u{1B}[31mred\u{202E}") == "a\\u{1b}[31mred\\u{202e}")
        #expect(AuditReport.shellWords(["sh", "-c", "echo it's"]) == "sh -c 'echo it'\\''s'")
    }
}

@Suite("who-ran prefilter")
struct ContainerHistoryPrefilterTests {
    /// Whatever the prefilter passes over, the chain is the same as with every line parsed.
    @Test(arguments: [false, true])
    func thePrefilterChangesNoAnswer(_ routine: Bool) {
        let prefilter = ContainerHistory.prefilter(includeRoutine: routine)
        var filtered = ContainerHistory(query: "web", includeRoutine: routine)
        var skipped = 0
        for record in ContainerHistoryTests.trail.records {
            var line = AuditJSON.line(record)
            line.removeLast()
            if line.withUTF8({ prefilter.admits($0) }) { filtered.consume(record) } else { skipped += 1 }
        }
        #expect(filtered.events == ContainerHistoryTests.history("web", routine: routine).events)
        #expect(skipped > 0 || routine)
    }
}
