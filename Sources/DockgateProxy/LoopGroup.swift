import Dispatch
import DockgateAudit
import DockgateIO
import Foundation

/// A fixed set of serial queues, one per core, each with the epoll set of its sockets. A
/// connection's socket events, timer and `SSL *` all run on its loop's queue; spreading connections over these loops uses
/// every core without ever splitting one connection across threads (DESIGN-NOTES §2.3.7).
final class LoopGroup: @unchecked Sendable {
    struct Loop: @unchecked Sendable {
        let queue: DispatchQueue
        /// The readiness events of every socket of this loop's connections, delivered on `queue`.
        let poller: LoopPoller
        /// One read buffer per loop: connections on one loop never run at the same time.
        let scratch: UnsafeMutableRawBufferPointer
        let auditBatch: AuditBatch
    }

    let loops: [Loop]
    private let nextIndex = NSLock()
    private var counter = 0

    init(count: Int = ProcessInfo.processInfo.activeProcessorCount, scratchBytes: Int, auditWriter: AuditWriter) throws(SystemError) {
        loops = try (0..<max(1, count)).map { index throws(SystemError) in
            let queue = DispatchQueue(label: "dockgate.loop.\(index)", qos: .userInitiated)
            return Loop(
                queue: queue, poller: try LoopPoller(queue: queue), scratch: UnsafeMutableRawBufferPointer.allocate(byteCount: scratchBytes, alignment: 16),
                auditBatch: AuditBatch(queue: queue, writer: auditWriter))
        }
    }

    deinit {
        for loop in loops { loop.scratch.deallocate() }
    }

    /// Round-robin assignment of a new connection to a loop.
    func next() -> Loop {
        nextIndex.lock()
        defer { nextIndex.unlock() }
        counter &+= 1
        return loops[counter % loops.count]
    }
}
