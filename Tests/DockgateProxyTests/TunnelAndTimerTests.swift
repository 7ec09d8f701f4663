import DockgateAudit
import DockgateAuthorization
import DockgateCore
import Testing

@testable import DockgateProxy

@Suite("Connection machine: tunnels, half-close, timeouts, drain")
struct TunnelAndTimerTests {
    static let attach =
        "POST /v1.47/containers/abc/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    static let switching = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"

    static func tunnel() -> MachineHarness {
        var h = MachineHarness.connected()
        h.client(attach)
        h.daemon(switching)
        return h
    }

    @Test func a101OpensATunnelWithItsOwnRecords() {
        var h = Self.tunnel()
        guard case .tunnel = h.machine.state else {
            Issue.record("not a tunnel: \(h.machine.state)")
            return
        }
        #expect(h.takeClientOutput() == Self.switching)
        #expect(h.records.map(\.kind) == [.request, .response, .sessionOpen])
        h.client("ls\n")
        #expect(h.takeUpstreamOutput().hasSuffix("ls\n"))
        h.daemon("bin\n")
        #expect(h.takeClientOutput() == "bin\n")
        h.advance(by: 100_000)
        #expect(h.closedReason == nil, "no deadline cuts a live attach")
    }

    @Test func clientEndsFirst_theDaemonSideIsHalfClosedAfterTheLastByteAndOutputGoesOn() {
        var h = Self.tunnel()
        h.upstreamWritesComplete = false
        h.client("exit\n")
        h.send(.clientEnded)
        #expect(!h.upstreamWriteShut, "the daemon gets every byte before the half-close")
        h.flushUpstream()
        #expect(h.upstreamWriteShut)
        #expect(!h.finishedClient)
        h.daemon("bye\n")
        #expect(h.takeClientOutput().hasSuffix("bye\n"))
        h.send(.upstreamEnded)
        #expect(h.closedReason == "closed by both sides")
        #expect(h.records.last?.kind == .connectionClose)
        #expect(h.records.contains { $0.kind == .sessionClose })
    }

    @Test func daemonEndsFirst_theClientGetsEverythingThenCloseNotifyThenTheLinger() {
        var h = Self.tunnel()
        h.clientWritesComplete = false
        h.daemon("last words\n")
        h.send(.upstreamEnded)
        #expect(!h.finishedClient, "the client's copy is not yet written")
        h.flushClient()
        #expect(h.finishedClient)
        #expect(h.timer?.0 == .linger)
        h.advance(by: 10)
        #expect(h.closedReason == "linger timeout")
    }

    @Test func anAttachWhoseClientAlreadyEndedStartsHalfClosed() {
        var h = MachineHarness.connected()
        h.client(Self.attach)
        h.send(.clientEnded)
        #expect(h.closedReason == nil)
        h.daemon(Self.switching)
        #expect(h.upstreamWriteShut)
    }

    @Test func theHandshakeDeadlineClosesAndIsRecorded() {
        var h = MachineHarness()
        #expect(h.timer?.0 == .handshake)
        h.advance(by: 10)
        #expect(h.closedReason == "handshake timeout")
        #expect(h.records.map(\.kind) == [.handshakeFailure])
    }

    @Test func anIdleConnectionClosesGracefullyAndSaysWhy() {
        var h = MachineHarness.connected()
        h.advance(by: 119)
        #expect(!h.finishedClient)
        h.advance(by: 1)
        #expect(h.finishedClient)
        h.send(.clientEnded)
        #expect(h.records.last?.reason?.hasPrefix("idle timeout: no request for 120 s") == true)
    }

    @Test func aHeadThatNeverEndsGets408() {
        var h = MachineHarness.connected()
        h.client("GET /v1.47/_ping HTTP/1.1\r\nHost: do")
        #expect(h.timer?.0 == .head)
        h.advance(by: 60)
        #expect(h.takeClientOutput().hasPrefix("HTTP/1.1 408 "))
        #expect(h.finishedClient)
    }

    @Test func aHeldBodyThatNeverArrivesGets408() {
        var h = MachineHarness.connected()
        h.headVerdict = RequestDecisionFlowTests.holdBody
        h.client(RequestDecisionFlowTests.create + "Content-Length: 50\r\n\r\n{")
        h.advance(by: 60)
        #expect(h.takeClientOutput().hasPrefix("HTTP/1.1 408 "))
        #expect(h.upstreamOutput.isEmpty)
    }

    @Test func aStaleTimerFiringIsIgnored() {
        var h = MachineHarness.connected()
        h.client(KeepAliveTests.ping)
        h.send(.timerFired(.idle))
        #expect(h.closedReason == nil && !h.finishedClient)
    }

    @Test func plaintextHTTPIsAnsweredLikeDockerdAndRecorded() {
        var h = MachineHarness()
        h.send(.plaintextRefused)
        #expect(h.takeClientOutput().contains("Client sent an HTTP request to an HTTPS server."))
        #expect(h.finishedClient)
        #expect(h.records.map(\.kind) == [.handshakeFailure])
    }

    @Test func aNonASCIICommonNameIsRefusedAtTheHandshake() {
        var h = MachineHarness()
        var kelvin = MachineHarness.alice
        kelvin.commonName = "\u{212A}ate"
        h.send(.handshakeCompleted(kelvin))
        #expect(h.closedReason == "client certificate CN is not printable ASCII")
        #expect(h.machine.identity == nil)
    }

    @Test func drainClosesAnIdleConnectionNowAndABusyOneAfterItsResponse() {
        var idle = MachineHarness.connected()
        idle.send(.drainRequested)
        #expect(idle.finishedClient)

        var busy = MachineHarness.connected()
        busy.client(KeepAliveTests.ping)
        busy.send(.drainRequested)
        #expect(!busy.finishedClient)
        busy.daemon(KeepAliveTests.pong)
        #expect(busy.takeClientOutput() == KeepAliveTests.pong)
        #expect(busy.finishedClient)
        #expect(busy.timer?.0 == .linger)
        #expect(busy.timer.map { Double($0.due - busy.clock.uptimeNanoseconds) / 1e9 } == 1, "a draining server lingers briefly")
    }

    @Test func aDaemonBreakingOffAResponseClosesTheConnection() {
        var h = MachineHarness.connected()
        h.client(KeepAliveTests.ping)
        h.daemon("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        h.send(.upstreamEnded)
        #expect(h.closedReason == "truncated upstream response")
        #expect(h.records.contains { $0.kind == .response && $0.reason?.contains("connection closed") == true })
    }
}
