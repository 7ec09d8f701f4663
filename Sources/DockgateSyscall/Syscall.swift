#if canImport(Glibc)
import Glibc
#endif

/// The only place that turns `-1`/`errno` into Swift errors, and the only place that handles
/// `EINTR`: it is retried here so callers never see it. Every module that makes system calls goes
/// through one of the two loops below, either by a named call or by passing its own call in.
///
/// - `retrying` is for non-blocking descriptors: `EAGAIN` is a state, `.wouldBlock`, not a failure.
/// - `restarting` is for blocking ones (regular files, locks, sockets with a timeout): every errno
///   but `EINTR` is thrown, `EAGAIN` included (a socket timeout reports that).
public enum Syscall {
    /// Runs `body` (a call returning `-1` and setting `errno` on failure) until a signal does not
    /// interrupt it, and returns its non-negative result.
    @inline(__always)
    public static func restarting(_ call: String, _ body: () -> Int) throws(SystemError) -> Int {
        while true {
            let result = body()
            if result >= 0 { return result }
            let error = Glibc.errno
            if error == EINTR { continue }
            throw SystemError(call: call, errno: error)
        }
    }

    /// `restarting`, with `EAGAIN` reported as `.wouldBlock`.
    @inline(__always)
    public static func retrying(_ call: String, _ body: () -> Int) throws(SystemError) -> IOResult<Int> {
        do {
            return .processed(try restarting(call, body))
        } catch {
            if error.errno == EAGAIN || error.errno == EWOULDBLOCK { return .wouldBlock }
            throw error
        }
    }

    /// Reads into `buffer`; `.processed(0)` is end of stream.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// One write(2) of as much of `bytes` as the descriptor takes now.
    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("write") { Glibc.write(fd, bytes.baseAddress, bytes.count) }
    }

    /// Writes without raising SIGPIPE on a socket whose peer has gone.
    public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Looks at the first bytes waiting on a socket without consuming them.
    public static func peek(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_PEEK)) }
    }

    /// Accepts one connection on a non-blocking listening socket; the peer's address goes to `peer`.
    public static func accept(_ fd: Int32, peer: inout sockaddr_storage) throws(SystemError) -> IOResult<Int32> {
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try retrying("accept") {
            withUnsafeMutablePointer(to: &peer) { storage in
                storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { Int(Glibc.accept(fd, $0, &length)) }
            }
        }
        guard case .processed(let client) = result else { return .wouldBlock }
        return .processed(Int32(client))
    }

    /// A close-on-exec stream socket of `family`.
    public static func streamSocket(family: Int32) throws(SystemError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return Int32(try restarting("socket") { Int(Glibc.socket(family, type, 0)) })
    }

    /// Connects a unix stream socket, waiting (up to its `SO_SNDTIMEO`) while the listener's backlog
    /// is full. Repeating an interrupted connect is safe here, unlike on TCP: Linux's
    /// `unix_stream_connect` is interrupted only while waiting for backlog room, before anything
    /// is linked, so the socket is still unconnected.
    public static func connect(_ fd: Int32, unixAddress: sockaddr_un) throws(SystemError) {
        var address = unixAddress
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        _ = try restarting("connect") {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Int(Glibc.connect(fd, $0, length)) }
            }
        }
    }

    /// Opens `path`; `mode` matters only with `O_CREAT`.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemError) -> Int32 {
        Int32(try restarting("open") { Int(Glibc.open(path, flags, mode)) })
    }

    public static func shutdownWrite(_ fd: Int32) {
        // ENOTCONN after the peer vanished is harmless: the direction is closed either way.
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    public static func close(_ fd: Int32) {
        // close(2): never retry on EINTR on Linux, the descriptor is released regardless.
        _ = Glibc.close(fd)
    }

    public static func setNonBlocking(_ fd: Int32) throws(SystemError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) >= 0 else {
            throw SystemError(call: "fcntl", errno: Glibc.errno)
        }
    }

    public static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) {
        var value = value
        _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }
}
