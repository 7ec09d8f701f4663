import Dispatch

/// The readiness events of one non-blocking socket, through its loop's `LoopPoller`.
///
/// Interest is two booleans; the poller turns new interest into one `epoll_ctl`, and gives
/// interest up lazily (see `LoopPoller.update`). The socket joins the epoll set on its first interest (on the loop's
/// queue), so it may be created on any thread. `close()` takes it out of the set before the
/// descriptor is closed, and closes the descriptor one queue turn later: code still running in
/// this turn may hold the number (a TLS session, a pending shutdown), and a number closed under
/// it could be reused at once by a connection accepted on another thread.
///
/// Must be used only on the poller's queue, apart from `init` (hence `@unchecked Sendable`).
public final class SocketEvents: @unchecked Sendable {
    public let fd: Int32
    private let poller: LoopPoller
    let onReadable: () -> Void
    let onWritable: () -> Void
    private(set) var wantsRead = false
    private(set) var wantsWrite = false
    /// The poller's key for this socket while it is in the epoll set.
    var token: UInt64?
    /// The epoll events the set watches for it: a superset of what it wants, or less once an
    /// event it no longer wanted came (0 outside the set).
    var watchedEvents: UInt32 = 0
    /// The epoll events its interest asks for.
    var wantedEvents: UInt32 {
        (wantsRead ? Syscall.epollReadable : 0) | (wantsWrite ? Syscall.epollWritable : 0)
    }
    public private(set) var isClosed = false

    public init(fd: Int32, poller: LoopPoller, onReadable: @escaping () -> Void, onWritable: @escaping () -> Void) {
        self.fd = fd
        self.poller = poller
        self.onReadable = onReadable
        self.onWritable = onWritable
    }

    deinit {
        assert(isClosed, "leak of an open socket \(fd)")
    }

    /// Which readiness events should call the handlers.
    public func setInterest(read: Bool, write: Bool) {
        dispatchPrecondition(condition: .onQueue(poller.queue))
        guard !isClosed, read != wantsRead || write != wantsWrite else { return }
        wantsRead = read
        wantsWrite = write
        poller.update(self)
    }

    /// No handler runs after this; the descriptor is closed on the next turn of the queue.
    public func close() {
        dispatchPrecondition(condition: .onQueue(poller.queue))
        guard !isClosed else { return }
        isClosed = true
        wantsRead = false
        wantsWrite = false
        poller.remove(self)
        poller.queue.async { [fd] in Syscall.close(fd) }
    }
}
