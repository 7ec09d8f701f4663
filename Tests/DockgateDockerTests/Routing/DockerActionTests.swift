@testable import DockgateDocker
import Testing

/// Action names are what audit records, metric labels and `policy suggest` carry: the enum must
/// read back every name it writes, and the names themselves must not drift.
@Suite("DockerAction: the recorded names")
struct DockerActionTests {
    @Test(arguments: DockerAction.allCases)
    func rawValueRoundTrips(_ action: DockerAction) {
        #expect(DockerAction(rawValue: action.rawValue) == action)
        #expect(DockerAction(name: action.rawValue) == action)
        // Interpolated into a reason or a log line, an action reads as its recorded name.
        #expect("\(action)" == action.rawValue)
    }

    @Test func namesAreDistinct() {
        #expect(Set(DockerAction.allCases.map(\.rawValue)).count == DockerAction.allCases.count)
    }

    /// Names that are not `<object>.<verb>` spelled from the case name, pinned as audit files have them.
    @Test func irregularNamesAreAsRecorded() {
        #expect(DockerAction.diskUsage.rawValue == "df")
        #expect(DockerAction.containerAttachWebSocket.rawValue == "container.attach.ws")
        #expect(DockerAction.swarmUnlockKey.rawValue == "swarm.unlockkey")
        #expect(DockerAction.containerArchiveStat.rawValue == "container.archive.stat")
        #expect(DockerAction.execCreate.rawValue == "exec.create")
    }

    /// Every action is reachable: by a route of the table, or by the two the canonicalizer classifies first.
    @Test func everyActionHasARoute() {
        let routed = Set(DockerRouteTable.specs.map(\.action)).union([.options, .debug])
        #expect(Set(DockerAction.allCases) == routed)
    }

    /// Names are matched by bytes: a canonically equivalent spelling is no action.
    @Test func lookAlikeNamesAreUnknown() {
        #expect(DockerAction(name: "container.kill") == .containerKill)
        #expect(DockerAction(name: "container.\u{212A}ill") == nil)
        #expect(DockerAction(name: "Container.kill") == nil)
        #expect(DockerAction(name: "") == nil)
    }
}
