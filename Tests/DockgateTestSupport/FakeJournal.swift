#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Stands in for journald by binding the datagram socket libsystemd writes to
/// (`/run/systemd/journal/socket`), when no journald runs on the machine.
///
/// Tests of two test targets share that one path inside one test process, so an exclusive
/// `flock` on a file in /tmp serialises them (flock locks belong to the open file description, so
/// two opens in one process exclude each other). Whatever was created is removed in `deinit`.
public final class FakeJournal {
    public static let directory = "/run/systemd/journal"
    public static let socketPath = directory + "/socket"
    private static let lockPath = "/tmp/dockgate-fake-journal.lock"

    private let lockFD: Int32
    private let createdDirectory: Bool
    private var socket: UnixDatagramSocket?

    /// Takes over the journal socket path; cancels (skips) the calling test when a real journald
    /// owns it or the path cannot be created (not root).
    public init() throws {
        // Everything is acquired into locals first: a throw after all stored properties are set
        // would run deinit and release things twice.
        let lockFD = open(Self.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { try Test.cancel("cannot open \(Self.lockPath) to serialise fake-journal tests") }
        while flock(lockFD, LOCK_EX) != 0 && errno == EINTR {}

        if Self.isLiveSocket(Self.socketPath) {
            close(lockFD)
            try Test.cancel("a real journald listens on \(Self.socketPath); this test needs that path to itself")
        }
        unlink(Self.socketPath)  // a stale socket left by a crashed run: nobody reads it.
        var created = false
        if access(Self.directory, F_OK) != 0 {
            guard mkdir(Self.directory, 0o755) == 0 else {
                let error = errno
                close(lockFD)
                try Test.cancel("cannot create \(Self.directory): \(String(cString: strerror(error)))")
            }
            created = true
        }
        let socket: UnixDatagramSocket
        do {
            socket = try UnixDatagramSocket(bindingTo: Self.socketPath)
        } catch {
            if created { rmdir(Self.directory) }
            close(lockFD)
            try Test.cancel("cannot bind \(Self.socketPath): \(error)")
        }
        self.lockFD = lockFD
        self.createdDirectory = created
        self.socket = socket
    }

    deinit {
        stop()
        unlink(Self.socketPath)
        if createdDirectory { rmdir(Self.directory) }
        close(lockFD)  // releases the flock
    }

    /// Closes and removes the socket, as if journald had gone away.
    public func stop() {
        socket = nil
    }

    /// Closes the socket but leaves its file: journald crashed, or is restarting.
    public func stopLeavingStaleSocket() {
        socket?.removesPathOnClose = false
        socket = nil
    }

    /// Binds the socket again after `stop()`: journald is back.
    public func restart() throws {
        unlink(Self.socketPath)
        socket = try UnixDatagramSocket(bindingTo: Self.socketPath)
    }

    /// The next datagram exactly as libsystemd sent it.
    public func receiveDatagram(timeoutMilliseconds: Int32 = 5_000) throws -> [UInt8] {
        guard let socket, let datagram = socket.receive(timeoutMilliseconds: timeoutMilliseconds) else {
            throw UnixDatagramSocket.Failure(description: "no journal datagram arrived")
        }
        return datagram
    }

    /// The next entry as (name, value) pairs, in the order they were sent.
    public func receiveEntry(timeoutMilliseconds: Int32 = 5_000) throws -> [(name: String, value: String)] {
        try JournalDatagram.parse(receiveDatagram(timeoutMilliseconds: timeoutMilliseconds))
            .map { (name: $0.0, value: String(decoding: $0.1, as: UTF8.self)) }
    }

    private static func isLiveSocket(_ path: String) -> Bool {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
            raw[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
