#if canImport(Glibc)
import Glibc
#endif
import DockgateIO
import Testing

/// Socket pairs whose descriptors live at or above `floor`, where nothing else in the test process
/// allocates (the kernel hands out the lowest free number). A number seen closed there cannot have
/// been reused meanwhile by a test running in parallel, and counting that range of /proc/self/fd
/// counts only the sockets of the suite using it (which must be `.serialized`).
enum HighDescriptors {
    static let floor: Int32 = 900

    struct Pair {
        /// The end under test (given to `SocketEvents`).
        let local: Int32
        /// The other end, kept by the test to see what `local`'s owner did.
        let peer: Int32
    }

    static func makePair() throws -> Pair {
        var ends: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0)
        let pair = Pair(local: try move(ends[0]), peer: try move(ends[1]))
        try Syscall.setNonBlocking(pair.local)
        try Syscall.setNonBlocking(pair.peer)
        return pair
    }

    private static func move(_ fd: Int32) throws -> Int32 {
        defer { Syscall.close(fd) }
        let high = fcntl(fd, F_DUPFD_CLOEXEC, floor)
        try #require(high >= floor)
        return high
    }

    /// Open descriptors numbered `floor` or more (the entries of /proc/self/fd).
    static func openCount() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let number = Int32(name), number >= floor { count += 1 }
        }
        return count
    }

    /// fcntl(2) answers EBADF for a descriptor number that is not open.
    static func isClosed(_ fd: Int32) -> Bool {
        fcntl(fd, F_GETFD) == -1 && errno == EBADF
    }

    /// Waits until `peer` reads end of stream, which happens once the last descriptor of the other
    /// end is closed. Data still arriving is discarded. The poll timeout only keeps a broken
    /// close from hanging the run.
    static func waitForEndOfStream(_ peer: Int32) throws {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<1000 {
            var poller = pollfd(fd: peer, events: Int16(POLLIN), revents: 0)
            try #require(poll(&poller, 1, 30_000) == 1, "the other end was not closed")
            guard case .processed(let count) = try buffer.withUnsafeMutableBytes({ try Syscall.read(peer, into: $0) }) else {
                continue
            }
            if count == 0 { return }
        }
        Issue.record("no end of stream after 1000 reads")
    }
}
