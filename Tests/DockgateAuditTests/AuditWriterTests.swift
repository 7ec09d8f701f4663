import Dispatch
import Foundation
import Synchronization
import Testing
@testable import DockgateAudit

/// A sink whose writes wait at a gate the test opens: a stdout reader that stopped reading.
final class GatedSink: AuditSink {
    let name = "gated"
    /// Signalled each time a write has started (and is now waiting at the gate).
    let entered = DispatchSemaphore(value: 0)
    /// Each signal lets one write through.
    let gate = DispatchSemaphore(value: 0)
    let written = Mutex<[AuditRecord]>([])
    let reopens = Atomic<Int>(0)

    func write(_ encoded: EncodedAuditRecords) throws {
        entered.signal()
        gate.wait()
        written.withLock { $0.append(contentsOf: encoded.records) }
    }

    func reopen() throws { reopens.add(1, ordering: .relaxed) }
}

@Suite("AuditWriter")
struct AuditWriterTests {
    static func record(connection: UInt64, sequence: Int) -> AuditRecord {
        AuditRecord(kind: .request, time: Date(timeIntervalSince1970: 0), connectionID: connection,
                    sequence: sequence, clientAddress: "127.0.0.1", clientPort: 1)
    }

    /// Submissions handed from queue to queue (so their global order is known) reach the sink in
    /// that order, across two trails that share the sink: a reload's new trail does not overtake.
    @Test func writesInSubmissionOrderAcrossQueuesAndTrails() {
        let sink = ScriptedSink(name: "shared")
        let trails = [AuditTrail(sinks: [sink]) { _, _ in }, AuditTrail(sinks: [sink]) { _, _ in }]
        let writer = AuditWriter()
        let queues = (0..<4).map { DispatchQueue(label: "test.loop.\($0)") }
        let turns = queues.map { _ in DispatchSemaphore(value: 0) }
        let finished = DispatchSemaphore(value: 0)
        let submissions = 200
        // Submission n happens on queue n % 4, only after submission n - 1 returned.
        for (index, queue) in queues.enumerated() {
            queue.async {
                for n in stride(from: index, to: submissions, by: queues.count) {
                    turns[index].wait()
                    writer.submit([Self.record(connection: UInt64(n), sequence: 1),
                                   Self.record(connection: UInt64(n), sequence: 2)], to: trails[n % 2])
                    if n + 1 < submissions { turns[(index + 1) % queues.count].signal() } else { finished.signal() }
                }
            }
        }
        turns[0].signal()
        finished.wait()
        writer.waitUntilWritten()

        let expected = (0..<submissions).flatMap {
            [Self.record(connection: UInt64($0), sequence: 1), Self.record(connection: UInt64($0), sequence: 2)]
        }
        #expect(sink.written.withLock { $0 } == expected)
        #expect(writer.backlog == 0)
    }

    /// Concurrent submitters: each one's records stay in its order, and none is lost.
    @Test func concurrentSubmittersKeepTheirOwnOrder() {
        let sink = ScriptedSink(name: "file")
        let trail = AuditTrail(sinks: [sink]) { _, _ in }
        let writer = AuditWriter()
        let perSubmitter = 300
        DispatchQueue.concurrentPerform(iterations: 4) { submitter in
            for n in 0..<perSubmitter {
                writer.submit([Self.record(connection: UInt64(submitter), sequence: n)], to: trail)
            }
        }
        writer.waitUntilWritten()
        let written = sink.written.withLock { $0 }
        #expect(written.count == 4 * perSubmitter)
        for submitter in 0..<4 {
            let sequences = written.filter { $0.connectionID == UInt64(submitter) }.compactMap(\.sequence)
            #expect(sequences == Array(0..<perSubmitter))
        }
    }

    /// The completion runs exactly once, on the queue it was given, with the trail's answer:
    /// fail-closed refuses when a sink failed, fail-open proceeds, a healthy trail proceeds.
    @Test(arguments: [
        (AuditFailureMode.failClosed, true, false),
        (AuditFailureMode.failOpen, true, true),
        (AuditFailureMode.failClosed, false, true),
    ])
    func completionRunsOnceOnTheGivenQueueWithTheTrailsAnswer(
        _ mode: AuditFailureMode, _ sinkFails: Bool, _ expected: Bool
    ) {
        let sink = ScriptedSink(name: "file")
        sink.isFailing.store(sinkFails, ordering: .relaxed)
        let trail = AuditTrail(sinks: [sink], failureMode: mode) { _, _ in }
        let writer = AuditWriter()
        let callbackQueue = DispatchQueue(label: "test.callback")
        let key = DispatchSpecificKey<String>()
        callbackQueue.setSpecific(key: key, value: "callback")
        let answers = Mutex<[(Bool, String?)]>([])

        writer.submit([Self.record(connection: 1, sequence: 1)], to: trail, completion: { mayProceed in
            answers.withLock { $0.append((mayProceed, DispatchQueue.getSpecific(key: key))) }
        }, on: callbackQueue)
        writer.waitUntilWritten()  // the completion is queued on callbackQueue by now
        callbackQueue.sync {}      // …and has run

        let seen = answers.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.0 == expected)
        #expect(seen.first?.1 == "callback")
        #expect(trail.failingSinks == (sinkFails ? ["file"] : []))
    }

    /// A sink that blocks holds up only the writer: submitters return at once, the backlog counts
    /// what waits, completions arrive after the sink is released, in order, and a reopen queued
    /// meanwhile runs between writes rather than during one.
    @Test func aBlockedSinkDoesNotBlockSubmitters() {
        let sink = GatedSink()
        let trail = AuditTrail(sinks: [sink]) { _, _ in }
        let writer = AuditWriter()
        let callbackQueue = DispatchQueue(label: "test.callback")
        let completions = Mutex<[Int]>([])
        let allCompleted = DispatchSemaphore(value: 0)
        let batches = 5

        writer.submit([Self.record(connection: 0, sequence: 0)], to: trail)
        sink.entered.wait()  // the writer is now stuck inside the sink
        for n in 1...batches {
            // Returning at all while the sink is blocked is what is tested here.
            writer.submit([Self.record(connection: 1, sequence: n), Self.record(connection: 1, sequence: -n)],
                          to: trail, completion: { mayProceed in
                completions.withLock { $0.append(mayProceed ? n : -n) }
                if n == batches { allCompleted.signal() }
            }, on: callbackQueue)
        }
        writer.reopenAll(trail)
        #expect(writer.backlog == 1 + 2 * batches)
        #expect(completions.withLock { $0 }.isEmpty)
        #expect(sink.reopens.load(ordering: .relaxed) == 0)

        for _ in 0...batches { sink.gate.signal() }
        allCompleted.wait()
        writer.waitUntilWritten()
        #expect(completions.withLock { $0 } == Array(1...batches))
        #expect(sink.written.withLock { $0 }.count == 1 + 2 * batches)
        #expect(sink.reopens.load(ordering: .relaxed) == 1)
        #expect(writer.backlog == 0)
    }

    /// The writer encodes into one reused buffer: lines of batches of different sizes do not leak
    /// into each other.
    @Test func reusedBufferHoldsOnlyTheCurrentBatch() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("audit.log")
        let trail = AuditTrail(sinks: [try FileAuditSink(path: path)]) { _, _ in }
        let writer = AuditWriter()
        let big = (1...3).map { Self.record(connection: 9, sequence: $0) }
        let small = [Self.record(connection: 1, sequence: 1)]
        writer.submit(big, to: trail)
        writer.submit(small, to: trail)
        writer.submit(big, to: trail)
        writer.waitUntilWritten()
        let expected = (big + small + big).map(AuditJSON.line).joined()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
    }

    /// A trail of regular files is written at once when nothing is queued; anything queued before
    /// (on any trail) sends the records through the queue, so the order holds.
    @Test func filesAreWrittenAtOnceOnlyWhenNothingIsQueued() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("audit.log")
        let files = AuditTrail(sinks: [try FileAuditSink(path: path)]) { _, _ in }
        let writer = AuditWriter()
        let first = Self.record(connection: 1, sequence: 1)
        #expect(writer.writeAtOnce([first], to: files) == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == AuditJSON.line(first))

        let gated = GatedSink()
        writer.submit([Self.record(connection: 2, sequence: 1)], to: AuditTrail(sinks: [gated]) { _, _ in })
        gated.entered.wait()
        #expect(writer.writeAtOnce([Self.record(connection: 1, sequence: 2)], to: files) == nil)
        gated.gate.signal()
        writer.waitUntilWritten()
        #expect(writer.writeAtOnce([Self.record(connection: 1, sequence: 3)], to: files) == true)
    }

    /// Only regular files: a sink that may wait on a reader (stdout, journald, a FIFO) is never
    /// written from the caller's thread.
    @Test func sinksThatCanStallAreNeverWrittenAtOnce() throws {
        let writer = AuditWriter()
        let record = Self.record(connection: 1, sequence: 1)
        #expect(writer.writeAtOnce([record], to: AuditTrail(sinks: [ScriptedSink(name: "other")]) { _, _ in }) == nil)
        #expect(writer.writeAtOnce([record], to: AuditTrail(sinks: [StdoutAuditSink()]) { _, _ in }) == nil)

        let directory = try TemporaryDirectory()
        let fifo = directory.file("audit.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)  // so opening the writing end does not wait
        defer { close(reader) }
        let sink = try FileAuditSink(path: fifo)
        #expect(!sink.appendsWithoutWaiting)
        #expect(writer.writeAtOnce([record], to: AuditTrail(sinks: [sink]) { _, _ in }) == nil)
    }
}
