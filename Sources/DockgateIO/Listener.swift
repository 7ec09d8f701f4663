import Dispatch
import DockgateCore

#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP (or unix) socket that hands every accepted connection (non-blocking, close-on-exec,
/// keepalive and TCP_NODELAY set) to `onAccept`, on the listener's own queue.
///
/// When the process runs out of descriptors (`EMFILE`/`ENFILE`) the accept source is paused for a
/// moment instead of spinning on a level-triggered event it cannot clear.
public final class Listener: @unchecked Sendable {
    public let address: String
    private let fd: Int32
    private let queue: DispatchQueue
    private let source: DispatchSourceRead
    private var isSuspended = true
    private var isClosed = false
    private let onAccept: @Sendable (Int32, PeerAddress) -> Void
    /// A unix socket's path and inode, removed on close.
    private var socketFile: (path: String, inode: ino_t)?

    /// Opens, binds and listens on a `tcp://` address. IPv6 sockets are v6-only so that
    /// `0.0.0.0` and `[::]` can both be bound on the same port.
    public convenience init(
        binding address: SocketAddress, onAccept: @escaping @Sendable (Int32, PeerAddress) -> Void
    ) throws(SystemError) {
        let fd = try Listener.openListeningSocket(address)
        self.init(adopting: fd, description: address.description, onAccept: onAccept)
    }

    /// Opens, binds and listens on a `unix://` path created with `mode` (a stale socket file left
    /// by a dead process is replaced); the file is removed again by `close()`.
    public convenience init(
        bindingUnix path: String, mode: mode_t, onAccept: @escaping @Sendable (Int32, PeerAddress) -> Void
    ) throws(SystemError) {
        let (fd, inode) = try UnixListeningSocket.open(path: path, mode: mode)
        self.init(adopting: fd, description: "unix://" + path, onAccept: onAccept)
        socketFile = (path, inode)
    }

    /// Serves on a socket that is already listening (socket activation).
    public init(adopting fd: Int32, description: String, onAccept: @escaping @Sendable (Int32, PeerAddress) -> Void) {
        self.fd = fd
        self.address = description
        self.onAccept = onAccept
        self.queue = DispatchQueue(label: "dockgate.listener.\(description)")
        self.source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        try? Syscall.setNonBlocking(fd)
        source.setEventHandler { [unowned self] in self.acceptAvailable() }
        source.setCancelHandler { [fd] in Syscall.close(fd) }
    }

    /// The port actually bound (useful when the configuration asked for port 0).
    public var boundPort: UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return ok == 0 ? PeerAddress(storage: storage).port : 0
    }

    public func start() {
        queue.async { self.setSuspended(false) }
    }

    /// Stops accepting; the listening descriptor is closed by the source's cancel handler.
    public func close() {
        // At once, not on the queue: the process may exit right after stopping.
        if let socketFile { UnixListeningSocket.remove(path: socketFile.path, inode: socketFile.inode) }
        queue.async {
            guard !self.isClosed else { return }
            self.isClosed = true
            self.source.cancel()
            self.setSuspended(false)
        }
    }

    private func setSuspended(_ suspended: Bool) {
        guard suspended != isSuspended else { return }
        isSuspended = suspended
        if suspended { source.suspend() } else { source.resume() }
    }

    private func acceptAvailable() {
        // Bounded so one busy listener cannot starve its queue.
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            let client: Int32
            do {
                guard case .processed(let accepted) = try Syscall.accept(fd, peer: &storage) else { return }
                client = accepted
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    setSuspended(true)
                    queue.asyncAfter(deadline: .now() + .milliseconds(100)) {
                        if !self.isClosed { self.setSuspended(false) }
                    }
                    return
                default:
                    return
                }
            }
            // accept4(2) is not visible to Swift's Glibc module; set the same flags by hand.
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            guard (try? Syscall.setNonBlocking(client)) != nil else {
                Syscall.close(client)
                continue
            }
            Syscall.configureClientSocket(client)
            onAccept(client, PeerAddress(storage: storage))
        }
    }

    private static func openListeningSocket(_ address: SocketAddress) throws(SystemError) -> Int32 {
        guard case .tcp(let host, let port) = address else {
            throw SystemError(call: "listen (only tcp:// addresses can be listened on)", errno: EINVAL)
        }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let info = results else {
            throw SystemError(call: "getaddrinfo(\(host))", errno: EINVAL)
        }
        defer { freeaddrinfo(results) }
        let fd = try Syscall.streamSocket(family: info.pointee.ai_family)
        Syscall.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
        if info.pointee.ai_family == AF_INET6 {
            Syscall.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1)
        }
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let error = SystemError(call: "bind(\(address))", errno: errno)
            Syscall.close(fd)
            throw error
        }
        guard listen(fd, 1024) == 0 else {
            let error = SystemError(call: "listen(\(address))", errno: errno)
            Syscall.close(fd)
            throw error
        }
        return fd
    }
}
