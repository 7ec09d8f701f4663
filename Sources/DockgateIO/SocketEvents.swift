import Dispatch

/// The read and write Dispatch sources of one descriptor, kept balanced.
///
/// libdispatch traps on releasing a suspended source and on resuming a running one, and its
/// sources are level-triggered, so interest is expressed as two booleans that this type alone
/// turns into `suspend`/`resume`. The descriptor is closed in the cancel handler of the second
/// source to finish, never earlier: closing under a live source lets the number be reused while
/// the kernel still reports events for it (swift-corelibs-foundation#4859).
///
/// Must be used only on `queue`, the owning connection's serial queue.
public final class SocketEvents {
    public let fd: Int32
    private let queue: DispatchQueue
    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite
    private var isReadSuspended = true
    private var isWriteSuspended = true
    public private(set) var isClosed = false

    public init(fd: Int32, queue: DispatchQueue, onReadable: @escaping () -> Void, onWritable: @escaping () -> Void) {
        self.fd = fd
        self.queue = queue
        readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        writeSource = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        readSource.setEventHandler(handler: onReadable)
        writeSource.setEventHandler(handler: onWritable)
        // The handlers may run after this object is gone, so they share a counter of their own.
        let pending = PendingCancellations(count: 2)
        let finish: () -> Void = { [fd] in
            pending.count -= 1
            if pending.count == 0 { Syscall.close(fd) }
        }
        readSource.setCancelHandler(handler: finish)
        writeSource.setCancelHandler(handler: finish)
    }

    deinit {
        assert(isClosed, "leak of an open socket \(fd)")
    }

    /// Which readiness events should wake the owner.
    public func setInterest(read: Bool, write: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        if read == isReadSuspended {
            isReadSuspended = !read
            if read { readSource.resume() } else { readSource.suspend() }
        }
        if write == isWriteSuspended {
            isWriteSuspended = !write
            if write { writeSource.resume() } else { writeSource.suspend() }
        }
    }

    /// Cancels both sources; the descriptor is closed once both cancel handlers have run.
    /// A suspended source only runs its cancel handler after being resumed, so resume it here.
    public func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        isClosed = true
        readSource.setEventHandler(handler: nil)
        writeSource.setEventHandler(handler: nil)
        readSource.cancel()
        writeSource.cancel()
        if isReadSuspended {
            isReadSuspended = false
            readSource.resume()
        }
        if isWriteSuspended {
            isWriteSuspended = false
            writeSource.resume()
        }
    }
}

/// Counts the cancel handlers still to run; touched only on the owning queue.
private final class PendingCancellations {
    var count: Int
    init(count: Int) { self.count = count }
}
