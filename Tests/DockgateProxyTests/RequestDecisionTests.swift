import DockgateAudit
import DockgateAuthorization
import DockgateCore
import DockgateHTTP
import DockgatePolicy
import Testing

@testable import DockgateProxy

@Suite("Connection machine: decisions, bodies, 100-continue")
struct RequestDecisionFlowTests {
    static let create = "POST /v1.47/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"

    static func holdBody(_ head: RequestHead) -> AccessVerdict {
        .inspectBody(.containerCreate, MachineHarness.context(for: head))
    }

    @Test func aDenialIsOnRecordBeforeTheClientIsAnswered() {
        var h = MachineHarness.connected()
        h.auditWritesComplete = false
        var context = AccessContext()
        context.rule = "endpoint/denied"
        h.headVerdict = { _ in .deny(status: 403, message: "dockgate: no", context) }
        h.client(KeepAliveTests.ping)
        #expect(h.clientOutput.isEmpty, "the refusal waits for its record")
        #expect(h.requestRecords.last?.decision == .deny)
        h.completeAudit(true)
        #expect(h.takeClientOutput().hasPrefix("HTTP/1.1 403 "))
        #expect(h.upstreamOutput.isEmpty)
        #expect(h.timer?.0 == .idle, "a refused request without a body keeps the connection")
    }

    @Test func aRefusedRequestWhoseBodyWasNotReadClosesTheConnection() {
        var h = MachineHarness.connected()
        h.headVerdict = { _ in .deny(status: 403, message: "dockgate: no", AccessContext()) }
        h.client("POST /v1.47/build HTTP/1.1\r\nHost: docker\r\nContent-Length: 10\r\n\r\n")
        #expect(h.takeClientOutput().contains("Connection: close"))
        #expect(h.finishedClient)
    }

    @Test func aHeldBodyIsJudgedWholeBeforeAnythingIsForwarded() {
        var h = MachineHarness.connected()
        h.headVerdict = Self.holdBody
        h.judgesAtOnce = false
        let body = #"{"Image":"busybox"}"#
        h.client(Self.create + "Content-Length: \(body.utf8.count)\r\n\r\n")
        #expect(h.timer?.0 == .body)
        h.client(String(body.prefix(5)))
        #expect(h.pendingJudgement == nil)
        h.client(String(body.dropFirst(5)))
        #expect(h.pendingJudgement?.payload == Array(body.utf8))
        #expect(h.upstreamOutput.isEmpty)
        h.completeJudgement(MachineHarness.judgement(h.pendingJudgement!))
        #expect(h.takeUpstreamOutput().hasSuffix("\r\n\r\n" + body))
    }

    @Test func expect100ContinueIsAnsweredWhenTheBodyIsHeld() {
        var h = MachineHarness.connected()
        h.headVerdict = Self.holdBody
        h.client(Self.create + "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        #expect(h.takeClientOutput() == "HTTP/1.1 100 Continue\r\n\r\n")
        h.client("{}")
        #expect(h.upstreamOutput.count > 0)
    }

    @Test func aChunkedHeldBodyIsJudgedDecoded() {
        var h = MachineHarness.connected()
        h.headVerdict = Self.holdBody
        h.judgesAtOnce = false
        h.client(Self.create + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        #expect(h.pendingJudgement?.payload == Array("{}".utf8))
    }

    @Test func aBodyTooLargeToInspectIsRefused413AndRecorded() {
        var h = MachineHarness.connected()
        h.headVerdict = Self.holdBody
        h.machine.maxInspectedBodyBytes = 16
        h.client(Self.create + "Content-Length: 200000\r\n\r\n" + String(repeating: "a", count: 100_000))
        #expect(h.takeClientOutput().hasPrefix("HTTP/1.1 413 "))
        #expect(h.requestRecords.last?.status == 413)
        #expect(h.upstreamOutput.isEmpty)
    }

    @Test func aMalformedHeadIsRecordedThenRefusedAndNothingMoreIsRead() {
        var h = MachineHarness.connected()
        h.auditWritesComplete = false
        h.client("GET /_ping HTTP/1.1\r\nBad Header\r\n\r\n")
        #expect(h.clientOutput.isEmpty)
        #expect(h.requestRecords.last?.rule == "request/malformed")
        h.completeAudit(true)
        #expect(h.takeClientOutput().hasPrefix("HTTP/1.1 400 "))
        #expect(h.finishedClient, "the connection ends after the refusal")
        #expect(!h.performed.contains { if case .judgeHead = $0 { true } else { false } })
    }

    @Test func nothingAfterARequestIsReadAsHTTPWhileItIsJudged() {
        var h = MachineHarness.connected()
        h.judgesAtOnce = false
        h.client(KeepAliveTests.ping + KeepAliveTests.ping)
        #expect(h.pendingJudgement != nil)
        #expect(h.requestRecords.isEmpty)
        let judgeHeads = h.performed.filter { if case .judgeHead = $0 { true } else { false } }
        #expect(judgeHeads.count == 1)
    }

    @Test func aLateJudgementForAClosedConnectionIsIgnored() {
        var h = MachineHarness.connected()
        h.judgesAtOnce = false
        h.client(KeepAliveTests.ping)
        let pending = h.pendingJudgement!
        h.send(.clientFailed("client read failed"))
        #expect(h.closedReason == "client read failed")
        h.completeJudgement(MachineHarness.judgement(pending))
        #expect(h.upstreamOutput.isEmpty)
    }

    @Test func aClientGoneWhileItsRequestIsJudgedCancelsIt() {
        var h = MachineHarness.connected()
        h.judgesAtOnce = false
        h.client(KeepAliveTests.ping)
        h.send(.clientEnded)
        #expect(h.closedReason == "client closed while a request was in flight")
        #expect(h.records.last?.kind == .connectionClose)
    }
}
