import DockgateAudit
import DockgateAuthorization
import DockgateCore
import Testing

@testable import DockgateProxy

@Suite("Connection machine: keep-alive and pipelining")
struct KeepAliveTests {
    static let ping = "GET /v1.47/_ping HTTP/1.1\r\nHost: docker\r\n\r\n"
    static let pong = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"

    @Test func requestIsRecordedThenForwardedAndItsResponseRelayed() {
        var h = MachineHarness.connected()
        #expect(h.timer?.0 == .idle)
        h.client(Self.ping)
        #expect(h.takeUpstreamOutput() == Self.ping)
        #expect(h.timer == nil, "no deadline while a request is in flight")
        h.daemon(Self.pong)
        #expect(h.takeClientOutput() == Self.pong)
        #expect(h.records.map(\.kind) == [.request, .response])
        #expect(h.records[0].decision == .allow)
        #expect(h.records[1].status == 200)
        #expect(h.timer?.0 == .idle, "the idle deadline is armed again after the response")
    }

    @Test func theAuditRecordIsWrittenBeforeAnyByteIsForwarded() {
        var h = MachineHarness.connected()
        h.auditWritesComplete = false
        h.client(Self.ping)
        #expect(h.upstreamOutput.isEmpty)
        #expect(h.awaitingAudit)
        h.completeAudit(true)
        #expect(h.takeUpstreamOutput() == Self.ping)
    }

    @Test func aFailClosedAuditTrailRefusesWith503AndForwardsNothing() {
        var h = MachineHarness.connected()
        h.auditAnswer = false
        h.client(Self.ping)
        #expect(h.upstreamOutput.isEmpty)
        #expect(h.takeClientOutput().hasPrefix("HTTP/1.1 503 "))
        #expect(h.timer?.0 == .idle, "the connection stays usable")
    }

    @Test func theSecondRequestReusesTheDaemonConnection() {
        var h = MachineHarness.connected()
        h.client(Self.ping)
        h.daemon(Self.pong)
        h.client(Self.ping)
        h.daemon(Self.pong)
        let connects = h.performed.filter { if case .connectUpstream = $0 { true } else { false } }
        #expect(connects.count == 1)
        #expect(h.takeClientOutput() == Self.pong + Self.pong)
        #expect(h.requestRecords.map(\.sequence) == [1, 2])
    }

    @Test func pipelinedRequestsAreJudgedOneAfterTheOther() {
        var h = MachineHarness.connected()
        h.client(Self.ping + Self.ping + Self.ping)
        #expect(h.takeUpstreamOutput() == Self.ping, "the next head waits for the previous response")
        h.daemon(Self.pong)
        #expect(h.takeUpstreamOutput() == Self.ping)
        h.daemon(Self.pong)
        #expect(h.takeUpstreamOutput() == Self.ping)
        h.daemon(Self.pong)
        #expect(h.takeClientOutput() == Self.pong + Self.pong + Self.pong)
        #expect(h.requestRecords.count == 3)
    }

    @Test func aResponseThatClosesEndsTheConnectionAfterItIsDelivered() {
        var h = MachineHarness.connected()
        h.clientWritesComplete = false
        h.client(Self.ping)
        h.daemon("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK")
        #expect(!h.finishedClient, "nothing closes before the client has the answer")
        h.flushClient()
        #expect(h.finishedClient)
        #expect(!h.upstreamOpen || h.performed.contains { if case .closeUpstream = $0 { true } else { false } })
        #expect(h.timer?.0 == .linger)
        h.send(.clientEnded)
        #expect(h.closedReason == "closed")
    }

    @Test func aChunkedStreamIsRelayedAsItComesWithNoDeadline() {
        var h = MachineHarness.connected()
        h.client("GET /v1.47/containers/abc/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n\r\n")
        h.daemon("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for line in 0..<5 {
            h.daemon("6\r\nline \(line)\r\n")
            #expect(h.takeClientOutput().hasSuffix("line \(line)\r\n"))
        }
        #expect(h.timer == nil)
        h.advance(by: 10_000)
        #expect(h.closedReason == nil, "a live stream is never timed out")
        h.daemon("0\r\n\r\n")
        #expect(h.timer?.0 == .idle)
    }

    @Test func theDaemonDroppingAnIdleConnectionIsReopenedForTheNextRequest() {
        var h = MachineHarness.connected()
        h.client(Self.ping)
        h.daemon(Self.pong)
        h.send(.upstreamEnded)
        #expect(h.closedReason == nil)
        h.client(Self.ping)
        let connects = h.performed.filter { if case .connectUpstream = $0 { true } else { false } }
        #expect(connects.count == 2)
    }

    @Test func anUnreachableDaemonIsAnswered502() {
        var h = MachineHarness.connected()
        h.connectSucceeds = false
        h.client(Self.ping)
        #expect(h.takeClientOutput().hasPrefix("HTTP/1.1 502 "))
        #expect(h.records.last?.kind == .response)
        #expect(h.records.last?.status == 502)
    }

    @Test func backpressureStopsReadingTheClientWhileTheDaemonIsBehind() {
        var limits = ProxyLimits()
        limits.relayBufferBytes = 1024
        var h = MachineHarness.connected(limits: limits)
        h.upstreamWritesComplete = false
        h.client("POST /v1.47/build HTTP/1.1\r\nHost: docker\r\nContent-Length: 4096\r\n\r\n")
        h.client(String(repeating: "x", count: 2048))
        #expect(!h.machine.wantsClientBytes)
        h.flushUpstream()
        #expect(h.machine.wantsClientBytes)
    }

    @Test func theDaemonIsNotReadWhileTheClientIsBehind() {
        var limits = ProxyLimits()
        limits.relayBufferBytes = 1024
        var h = MachineHarness.connected(limits: limits)
        h.clientWritesComplete = false
        h.client("GET /v1.47/containers/abc/logs HTTP/1.1\r\nHost: docker\r\n\r\n")
        h.daemon("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "y", count: 2000))
        #expect(!h.machine.wantsUpstreamBytes)
        h.flushClient()
        #expect(h.machine.wantsUpstreamBytes)
    }
}
