#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import DockgateIO
import Testing

/// `SocketEvents` over socket pairs: interest decides which handler runs, any sequence of interest
/// changes keeps libdispatch's suspend/resume balanced (an unbalanced one traps the process), and
/// the descriptor is closed exactly once, only after both sources are cancelled.
///
/// Serialized: the tests count the descriptors of `HighDescriptors`' range.
@Suite(.serialized) struct SocketEventsTests {
    /// What the handlers saw; touched only on the events' queue.
    private final class Observed {
        var events: SocketEvents?
        var readable = 0
        var writable = 0
        var received: [UInt8] = []
    }

    private static let interests: [(read: Bool, write: Bool)] = [(false, false), (true, false), (false, true), (true, true)]

    @Test func handlersFireForTheInterestSet() throws {
        let pair = try HighDescriptors.makePair()
        defer { Syscall.close(pair.peer) }
        let queue = DispatchQueue(label: "socket-events-test")
        let poller = try LoopPoller(queue: queue)
        let observed = Observed()
        let readableSeen = DispatchSemaphore(value: 0)
        let writableSeen = DispatchSemaphore(value: 0)
        queue.sync {
            observed.events = SocketEvents(
                fd: pair.local, poller: poller,
                onReadable: {
                    observed.readable += 1
                    var buffer = [UInt8](repeating: 0, count: 64)
                    if case .processed(let count)? = buffer.withUnsafeMutableBytes({ try? Syscall.read(pair.local, into: $0) }) {
                        observed.received += buffer[0..<count]
                    }
                    observed.events?.setInterest(read: false, write: false)
                    readableSeen.signal()
                },
                onWritable: {
                    observed.writable += 1
                    observed.events?.setInterest(read: false, write: false)
                    writableSeen.signal()
                })
        }
        // Bytes are waiting, but only writability is asked for.
        let message: [UInt8] = Array("ping".utf8)
        _ = try message.withUnsafeBytes { try Syscall.send(pair.peer, $0) }
        queue.sync { observed.events?.setInterest(read: false, write: true) }
        try #require(writableSeen.wait(timeout: .now() + 30) == .success)
        queue.sync {
            #expect(observed.writable == 1)
            #expect(observed.readable == 0)
        }
        // Now only readability: the socket stays writable, yet the write handler must stay quiet.
        queue.sync { observed.events?.setInterest(read: true, write: false) }
        try #require(readableSeen.wait(timeout: .now() + 30) == .success)
        queue.sync {
            #expect(observed.readable == 1)
            #expect(observed.writable == 1)
            #expect(observed.received == message)
            observed.events?.close()
        }
        try HighDescriptors.waitForEndOfStream(pair.peer)
        #expect(HighDescriptors.isClosed(pair.local))
    }

    /// Every sequence of four interest settings (repeats included), each applied separately so
    /// events can run in between, then a close from whatever state the last one left.
    @Test func anySequenceOfInterestChangesStaysBalanced() throws {
        let queue = DispatchQueue(label: "socket-events-balance")
        let poller = try LoopPoller(queue: queue)
        for code in 0..<256 {
            let sequence = (0..<4).map { Self.interests[(code >> (2 * $0)) & 3] }
            let pair = try HighDescriptors.makePair()
            defer { Syscall.close(pair.peer) }
            let events = queue.sync { SocketEvents(fd: pair.local, poller: poller, onReadable: {}, onWritable: {}) }
            for interest in sequence {
                queue.sync { events.setInterest(read: interest.read, write: interest.write) }
            }
            queue.sync {
                events.close()
                // After close, interest changes and a second close are no-ops, not traps.
                events.setInterest(read: true, write: true)
                events.close()
                #expect(events.isClosed)
            }
            try HighDescriptors.waitForEndOfStream(pair.peer)
            #expect(HighDescriptors.isClosed(pair.local), "sequence \(sequence)")
        }
    }

    /// The descriptor is still open when `close()` returns (it leaves the loop's epoll set at
    /// once and is closed a queue turn later, after any event already drained for it was dropped)
    /// and closed once that turn has run: never earlier, so the number cannot be reused while an
    /// event for it may still be delivered.
    @Test(arguments: 0..<4)
    func descriptorClosesOnlyAfterItLeftTheLoop(interestAtClose: Int) throws {
        let interest = Self.interests[interestAtClose]
        let pair = try HighDescriptors.makePair()
        defer { Syscall.close(pair.peer) }
        let queue = DispatchQueue(label: "socket-events-close")
        let poller = try LoopPoller(queue: queue)
        let events = queue.sync { SocketEvents(fd: pair.local, poller: poller, onReadable: {}, onWritable: {}) }
        queue.sync {
            events.setInterest(read: interest.read, write: interest.write)
            events.close()
            // Still on the queue: the deferred close cannot have run yet.
            #expect(fcntl(pair.local, F_GETFD) != -1)
        }
        try HighDescriptors.waitForEndOfStream(pair.peer)
        #expect(HighDescriptors.isClosed(pair.local))
    }

    /// Open/close cycles leave no descriptor behind.
    @Test func descriptorCountReturnsToBaseline() throws {
        let baseline = HighDescriptors.openCount()
        try #require(baseline >= 0)
        let queue = DispatchQueue(label: "socket-events-cycles")
        let poller = try LoopPoller(queue: queue)
        for cycle in 0..<100 {
            let pair = try HighDescriptors.makePair()
            let writableSeen = DispatchSemaphore(value: 0)
            let observed = Observed()
            queue.sync {
                observed.events = SocketEvents(
                    fd: pair.local, poller: poller, onReadable: {},
                    onWritable: {
                        observed.events?.setInterest(read: true, write: false)
                        writableSeen.signal()
                    })
                observed.events?.setInterest(read: cycle % 2 == 0, write: true)
            }
            try #require(writableSeen.wait(timeout: .now() + 30) == .success)
            queue.sync { observed.events?.close() }
            try HighDescriptors.waitForEndOfStream(pair.peer)
            Syscall.close(pair.peer)
            // The last reference: SocketEvents' deinit asserts that it was closed.
            queue.sync { observed.events = nil }
        }
        #expect(HighDescriptors.openCount() == baseline)
    }
}
