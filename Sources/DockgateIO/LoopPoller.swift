import Dispatch
internal import CLinux

/// The readiness events of every socket on one event loop: an epoll set of its own, watched by a
/// single Dispatch read source on the epoll descriptor.
///
/// One wake-up of the loop's queue drains every ready socket in a batch (`epoll_wait` with a zero
/// timeout), so under load one trip through libdispatch serves many connections instead of one
/// trip per event, and a change of interest is an `epoll_ctl` on the loop's own thread instead of
/// a source suspended or resumed through libdispatch's manager thread. No thread of ours blocks
/// in `epoll_wait`: libdispatch watches the epoll descriptor like any other.
///
/// Level-triggered: a socket with interest is reported for as long as it is ready, so a handler
/// that leaves bytes unread is called again on the next batch. Data OpenSSL has already buffered
/// is the owner's business (the connection reads whenever its machine wants bytes).
///
/// Must be used only on `queue`, apart from `SocketEvents.init`.
public final class LoopPoller: @unchecked Sendable {
    public let queue: DispatchQueue
    private let epollFD: Int32
    private let source: DispatchSourceRead
    /// Registered sockets by token. A token is never reused, so an event harvested in a batch for
    /// a socket that an earlier handler of the same batch closed finds nothing and is dropped,
    /// even if the descriptor number already belongs to someone else.
    private var sockets: [UInt64: SocketEvents] = [:]
    private var lastToken: UInt64 = 0
    private let events: UnsafeMutablePointer<epoll_event>

    /// Events taken from the kernel per `epoll_wait`.
    static let batchCapacity = 64
    /// Full batches handled per wake-up before the queue is yielded to timers and other blocks;
    /// the level-triggered epoll descriptor wakes the source again for the rest.
    static let batchesPerWakeUp = 4

    public init(queue: DispatchQueue) throws(SystemError) {
        let fd = try Syscall.epollCreate()
        self.queue = queue
        epollFD = fd
        events = .allocate(capacity: Self.batchCapacity)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.drainReadyEvents() }
        source.setCancelHandler { Syscall.close(fd) }
        source.resume()
    }

    deinit {
        source.setEventHandler(handler: nil)
        source.cancel()
        events.deallocate()
    }

    /// How many sockets are in the epoll set now (for tests).
    public var registeredCount: Int {
        dispatchPrecondition(condition: .onQueue(queue))
        return sockets.count
    }

    /// Handles what is ready now, in bounded batches.
    func drainReadyEvents() {
        dispatchPrecondition(condition: .onQueue(queue))
        for _ in 0..<Self.batchesPerWakeUp {
            let count = Syscall.epollReadyNow(epollFD, into: events, capacity: Self.batchCapacity)
            guard count > 0 else { return }
            for index in 0..<count {
                let event = events[index]
                guard let socket = sockets[event.data.u64] else { continue }
                deliver(event.events, to: socket)
            }
            if count < Self.batchCapacity { return }
        }
    }

    /// Calls the handlers that the socket's current interest asks for. Interest is read at
    /// delivery time: an earlier handler of the batch may have changed or closed it.
    private func deliver(_ flags: UInt32, to socket: SocketEvents) {
        let failed = flags & Syscall.epollHangUpOrError != 0
        if socket.wantsRead, failed || flags & Syscall.epollReadable != 0 {
            socket.onReadable()
        }
        if !socket.isClosed, socket.wantsWrite, failed || flags & Syscall.epollWritable != 0 {
            socket.onWritable()
        }
        guard !socket.isClosed, let token = socket.token else { return }
        let wanted = socket.wantedEvents
        if failed, wanted == 0 {
            // epoll reports a hang-up or an error even for an empty mask, and level-triggered it
            // would on every batch: out of the set until the socket wants events again.
            unregister(socket, token: token)
        } else if flags & ~wanted & (Syscall.epollReadable | Syscall.epollWritable) != 0 {
            // Readiness the owner gave up (see `update`) did come: narrow the mask now, once.
            control(socket, .modify, events: wanted, token: token)
        }
    }

    /// Makes the epoll set serve the socket's interest: ADD on the first interest, MOD when it
    /// asks for an event the set does not watch. Giving interest up costs nothing until an
    /// unwanted event actually comes (`deliver` narrows the mask then): most never do — a
    /// keep-alive client sends nothing while its request is in flight — so the usual
    /// read → nothing → read turn of every request makes no system call.
    func update(_ socket: SocketEvents) {
        dispatchPrecondition(condition: .onQueue(queue))
        let wanted = socket.wantedEvents
        if let token = socket.token {
            if wanted & ~socket.watchedEvents != 0 { control(socket, .modify, events: wanted, token: token) }
        } else if wanted != 0 {
            lastToken &+= 1
            let token = lastToken
            guard control(socket, .add, events: wanted, token: token) else { return }
            socket.token = token
            sockets[token] = socket
        }
    }

    @discardableResult
    private func control(_ socket: SocketEvents, _ change: Syscall.EpollChange, events: UInt32, token: UInt64) -> Bool {
        do {
            try Syscall.epollControl(epollFD, change, socket.fd, events: events, token: token)
        } catch {
            fail(socket)
            return false
        }
        socket.watchedEvents = events
        return true
    }

    /// Takes the socket out of the set; from here no event can reach its handlers.
    func remove(_ socket: SocketEvents) {
        dispatchPrecondition(condition: .onQueue(queue))
        if let token = socket.token { unregister(socket, token: token) }
    }

    private func unregister(_ socket: SocketEvents, token: UInt64) {
        // Fails only if the descriptor is no longer in the set, which is the goal anyway.
        try? Syscall.epollControl(epollFD, .delete, socket.fd, events: 0, token: token)
        sockets[token] = nil
        socket.token = nil
        socket.watchedEvents = 0
    }

    /// The kernel refused to watch the socket (out of memory or over `max_user_watches`): a
    /// socket that cannot be watched cannot be served. Shut it down and report it both readable
    /// and writable once, so the owner's next read or write fails and it closes as for any
    /// broken connection.
    private func fail(_ socket: SocketEvents) {
        Syscall.shutdownBoth(socket.fd)
        queue.async {
            guard !socket.isClosed else { return }
            socket.onReadable()
            if !socket.isClosed { socket.onWritable() }
        }
    }
}
