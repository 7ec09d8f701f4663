import Dispatch
import Foundation
import Testing
@testable import DockgateIO

/// `LoopPoller` and `SocketEvents` over socketpairs. Each check runs inside one block on the
/// poller's queue and drains the epoll set itself, so the poller's own Dispatch source cannot
/// deliver in the middle of it and no check depends on timing.
@Suite struct LoopPollerTests {
    /// One end watched by the poller, the other end kept by the test.
    final class WatchedPair {
        let watched: SocketEvents
        let peer: Int32
        var reads = 0
        var writes = 0
        var onRead: (() -> Void)?

        init(poller: LoopPoller) throws {
            var fds: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
                throw SystemError(call: "socketpair", errno: errno)
            }
            peer = fds[1]
            var readHandler: (() -> Void)?
            var writeHandler: (() -> Void)?
            watched = SocketEvents(fd: fds[0], poller: poller, onReadable: { readHandler?() }, onWritable: { writeHandler?() })
            readHandler = { [unowned self] in
                self.reads += 1
                self.onRead?()
            }
            writeHandler = { [unowned self] in self.writes += 1 }
        }

        func sendFromPeer() {
            var byte: UInt8 = 1
            #expect(write(peer, &byte, 1) == 1)
        }

        func resetCounts() { (reads, writes) = (0, 0) }

        /// Closes the watched end (if still open) and the peer; call on the poller's queue.
        func closeAll() {
            watched.close()
            Glibc.close(peer)
        }
    }

    let queue = DispatchQueue(label: "test.loop-poller")

    @Test func readableAndWritableAreDeliveredOnlyAsAsked() throws {
        let poller = try LoopPoller(queue: queue)
        let pair = try WatchedPair(poller: poller)
        queue.sync {
            // A fresh socketpair end is writable and not readable.
            pair.watched.setInterest(read: true, write: false)
            poller.drainReadyEvents()
            #expect(pair.reads == 0 && pair.writes == 0)

            pair.sendFromPeer()
            poller.drainReadyEvents()
            #expect(pair.reads == 1 && pair.writes == 0)

            // Level-triggered: the unread byte is reported again; now write interest too.
            pair.resetCounts()
            pair.watched.setInterest(read: true, write: true)
            poller.drainReadyEvents()
            #expect(pair.reads == 1 && pair.writes == 1)

            // No interest: readiness is not reported; the first unwanted event narrows the watched
            // events, and the socket stays in the set.
            pair.resetCounts()
            pair.watched.setInterest(read: false, write: false)
            #expect(pair.watched.watchedEvents != 0)
            poller.drainReadyEvents()
            #expect(pair.reads == 0 && pair.writes == 0)
            #expect(pair.watched.watchedEvents == 0)
            #expect(poller.registeredCount == 1)

            // Interest again: watched again, and the byte still waiting is reported.
            pair.watched.setInterest(read: true, write: false)
            poller.drainReadyEvents()
            #expect(pair.reads == 1 && pair.writes == 0)
            pair.closeAll()
        }
    }

    @Test func closedSocketGetsNoEventAndItsDescriptorIsClosed() throws {
        let poller = try LoopPoller(queue: queue)
        let pair = try WatchedPair(poller: poller)
        queue.sync {
            // Writable at once; nothing is sent, so closing resets nothing and the peer sees EOF.
            pair.watched.setInterest(read: true, write: true)
            pair.watched.close()
            poller.drainReadyEvents()
            #expect(pair.reads == 0 && pair.writes == 0)
            #expect(poller.registeredCount == 0)
            // Setting interest on a closed socket is ignored.
            pair.watched.setInterest(read: true, write: false)
            #expect(poller.registeredCount == 0)
        }
        // The descriptor is closed one queue turn after close(): its peer then reads end of stream
        // (checked through the peer, whose number no other test can take over).
        queue.sync {}
        var byte: UInt8 = 0
        #expect(read(pair.peer, &byte, 1) == 0)
        Glibc.close(pair.peer)
    }

    @Test func socketClosedByAnEarlierHandlerOfTheSameBatchIsSkipped() throws {
        let poller = try LoopPoller(queue: queue)
        let first = try WatchedPair(poller: poller)
        let second = try WatchedPair(poller: poller)
        queue.sync {
            first.watched.setInterest(read: true, write: false)
            second.watched.setInterest(read: true, write: false)
            first.sendFromPeer()
            second.sendFromPeer()
            // Whichever is delivered first closes the other, as a connection closes its upstream.
            first.onRead = { [unowned second] in second.watched.close() }
            second.onRead = { [unowned first] in first.watched.close() }
            poller.drainReadyEvents()
            #expect(first.reads + second.reads == 1)
            #expect(poller.registeredCount == 1)
            first.closeAll()
            second.closeAll()
        }
    }

    @Test func hangUpWithoutInterestLeavesTheSetUntilInterestReturns() throws {
        let poller = try LoopPoller(queue: queue)
        let pair = try WatchedPair(poller: poller)
        queue.sync {
            pair.watched.setInterest(read: true, write: false)
            pair.watched.setInterest(read: false, write: false)
            Glibc.close(pair.peer)
            poller.drainReadyEvents()
            #expect(pair.reads == 0 && pair.writes == 0)
            #expect(poller.registeredCount == 0)

            pair.watched.setInterest(read: true, write: false)
            #expect(poller.registeredCount == 1)
            poller.drainReadyEvents()
            #expect(pair.reads == 1)
            pair.watched.close()
        }
    }

    @Test func oneDrainServesMoreSocketsThanOneBatchHolds() throws {
        let poller = try LoopPoller(queue: queue)
        let count = LoopPoller.batchCapacity + LoopPoller.batchCapacity / 2
        let pairs = try (0..<count).map { _ in try WatchedPair(poller: poller) }
        queue.sync {
            for pair in pairs {
                // Consumes what it is told about, as an owner does: level-triggered, an unread
                // byte would be reported again by the next batch of the same drain.
                // Unowned: the pair owns its handler (a strong capture would be a cycle).
                pair.onRead = { [unowned pair] in
                    var byte: UInt8 = 0
                    _ = read(pair.watched.fd, &byte, 1)
                }
                pair.watched.setInterest(read: true, write: false)
                pair.sendFromPeer()
            }
            poller.drainReadyEvents()
            #expect(pairs.allSatisfy { $0.reads == 1 })
            for pair in pairs { pair.closeAll() }
            #expect(poller.registeredCount == 0)
        }
    }

    /// The poller's own Dispatch source delivers without anyone draining by hand.
    @Test func readinessWakesTheLoopQueue() throws {
        let poller = try LoopPoller(queue: queue)
        let delivered = DispatchSemaphore(value: 0)
        let pair = try WatchedPair(poller: poller)
        pair.onRead = { [unowned pair] in
            pair.watched.setInterest(read: false, write: false)
            delivered.signal()
        }
        queue.sync {
            pair.watched.setInterest(read: true, write: false)
            pair.sendFromPeer()
        }
        // A generous bound only so that a broken poller fails instead of hanging the suite.
        #expect(delivered.wait(timeout: .now() + 30) == .success)
        queue.sync { pair.closeAll() }
    }
}
