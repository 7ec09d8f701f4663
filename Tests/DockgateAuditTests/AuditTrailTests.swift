import Foundation
import Synchronization
import Testing
@testable import DockgateAudit

/// A sink that fails on demand and remembers what it was given.
final class ScriptedSink: AuditSink {
    struct Refusal: Error {}

    let name: String
    let isFailing = Atomic<Bool>(false)
    let written = Mutex<[AuditRecord]>([])
    let reopens = Atomic<Int>(0)

    init(name: String) { self.name = name }

    func write(_ encoded: EncodedAuditRecords) throws {
        if isFailing.load(ordering: .relaxed) { throw Refusal() }
        written.withLock { $0.append(contentsOf: encoded.records) }
    }

    func reopen() throws {
        reopens.add(1, ordering: .relaxed)
        if isFailing.load(ordering: .relaxed) { throw Refusal() }
    }
}

@Suite("AuditTrail")
struct AuditTrailTests {
    static let record = AuditRecord(kind: .request, time: Date(timeIntervalSince1970: 0), connectionID: 1,
                                    sequence: 1, clientAddress: "127.0.0.1", clientPort: 1, decision: .deny)

    /// Every sink gets the record even after an earlier one failed (a denial is kept wherever
    /// possible), the failure is reported by sink name, and the caller is told not to forward.
    @Test func oneFailingSinkFailsClosedButOthersStillWrite() {
        let first = ScriptedSink(name: "first")
        let second = ScriptedSink(name: "second")
        first.isFailing.store(true, ordering: .relaxed)
        let reported = Mutex<[String]>([])
        let trail = AuditTrail(sinks: [first, second]) { name, _ in reported.withLock { $0.append(name) } }

        #expect(trail.record(Self.record) == false)
        #expect(second.written.withLock { $0 } == [Self.record])
        #expect(reported.withLock { $0 } == ["first"])
    }

    /// No latch: the next successful write means the sink recovered.
    @Test func recoversWithTheNextSuccessfulWrite() {
        let sink = ScriptedSink(name: "file")
        let trail = AuditTrail(sinks: [sink]) { _, _ in }
        sink.isFailing.store(true, ordering: .relaxed)
        #expect(trail.record(Self.record) == false)
        #expect(trail.record(Self.record) == false)
        sink.isFailing.store(false, ordering: .relaxed)
        #expect(trail.record(Self.record) == true)
    }

    /// Fail-open forwards anyway, but still reports every failure.
    @Test func failOpenForwardsAndReports() {
        let sink = ScriptedSink(name: "file")
        sink.isFailing.store(true, ordering: .relaxed)
        let reported = Atomic<Int>(0)
        let trail = AuditTrail(sinks: [sink], failureMode: .failOpen) { _, _ in reported.add(1, ordering: .relaxed) }
        #expect(trail.record(Self.record) == true)
        #expect(reported.load(ordering: .relaxed) == 1)
    }

    /// reopenAll reaches every sink and reports the ones that failed.
    @Test func reopenAllReachesEverySink() {
        let good = ScriptedSink(name: "good")
        let bad = ScriptedSink(name: "bad")
        bad.isFailing.store(true, ordering: .relaxed)
        let reported = Mutex<[String]>([])
        let trail = AuditTrail(sinks: [bad, good]) { name, _ in reported.withLock { $0.append(name) } }
        trail.reopenAll()
        #expect(good.reopens.load(ordering: .relaxed) == 1)
        #expect(bad.reopens.load(ordering: .relaxed) == 1)
        #expect(reported.withLock { $0 } == ["bad"])
    }

    @Test func failureModesParseFromConfigurationSpelling() {
        #expect(AuditFailureMode(rawValue: "fail-closed") == .failClosed)
        #expect(AuditFailureMode(rawValue: "fail-open") == .failOpen)
    }
}

/// The observer sees every record, written or not; the trail remembers which sinks failed last
/// (for /healthz) until a write succeeds again.
@Suite("AuditTrail health and observer")
struct AuditTrailHealthTests {
    final class Observer: AuditObserver {
        let seen = Mutex<[(Int, Bool)]>([])
        let failures = Mutex<[String]>([])
        func observe(_ records: [AuditRecord], written: Bool) { seen.withLock { $0.append((records.count, written)) } }
        func sinkFailed(_ sinkName: String) { failures.withLock { $0.append(sinkName) } }
    }

    @Test func tracksFailingSinksAndNotifiesTheObserver() {
        let sink = ScriptedSink(name: "file:/a")
        let observer = Observer()
        let trail = AuditTrail(sinks: [sink], observer: observer) { _, _ in }
        #expect(trail.failingSinks.isEmpty && !trail.isRefusingRequests)
        sink.isFailing.store(true, ordering: .relaxed)
        #expect(!trail.record(batch: [AuditTrailTests.record, AuditTrailTests.record]))
        #expect(trail.failingSinks == ["file:/a"] && trail.isRefusingRequests)
        sink.isFailing.store(false, ordering: .relaxed)
        #expect(trail.record(AuditTrailTests.record))
        #expect(trail.failingSinks.isEmpty)
        #expect(observer.seen.withLock { $0.map(\.0) } == [2, 1])
        #expect(observer.seen.withLock { $0.map(\.1) } == [false, true])
        #expect(observer.failures.withLock { $0 } == ["file:/a"])
    }

    /// Without sinks the observer still sees every record.
    @Test func observerSeesRecordsWithoutSinks() {
        let observer = Observer()
        let trail = AuditTrail(sinks: [], observer: observer) { _, _ in }
        #expect(trail.record(AuditTrailTests.record))
        #expect(observer.seen.withLock { $0.count } == 1)
    }
}
