#if canImport(Glibc)
import Glibc
#endif
internal import CLinux

/// The only place that turns `-1`/`errno` into Swift errors. `EINTR` is retried here so callers
/// never see it; `EAGAIN` becomes `.wouldBlock`.
public enum Syscall {
    @inline(__always)
    static func retrying(_ call: String, _ body: () -> Int) throws(SystemError) -> IOResult<Int> {
        while true {
            let result = body()
            if result >= 0 { return .processed(result) }
            let error = Glibc.errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .wouldBlock }
            throw SystemError(call: call, errno: error)
        }
    }

    /// Reads into `buffer`; `.processed(0)` is end of stream.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Writes without raising SIGPIPE on a socket whose peer has gone.
    public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Looks at the first bytes waiting on a socket without consuming them.
    public static func peek(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_PEEK)) }
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

    /// TCP_NODELAY for interactive TTY echo, and keepalive probes so a vanished client of an idle
    /// tunnel is detected (Go's listener does the same, at 15 s).
    public static func configureClientSocket(_ fd: Int32) {
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        setOption(fd, level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1)
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_KEEPIDLE, value: 15)
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_KEEPINTVL, value: 15)
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_KEEPCNT, value: 4)
    }

    /// Blocks `signals` in the calling thread; threads it creates afterwards inherit the mask.
    /// pthread_sigmask(3) returns the error number instead of setting errno.
    public static func blockSignals(_ signals: [Int32]) throws(SystemError) {
        var set = signalSet(signals)
        let result = pthread_sigmask(SIG_BLOCK, &set, nil)
        if result != 0 { throw SystemError(call: "pthread_sigmask", errno: result) }
    }

    /// Which of `signals` the calling thread blocks.
    public static func blockedSignals(among signals: [Int32]) -> [Int32] {
        var current = sigset_t()
        guard pthread_sigmask(SIG_BLOCK, nil, &current) == 0 else { return [] }
        return signals.filter { sigismember(&current, $0) == 1 }
    }

    /// A non-blocking, close-on-exec signalfd(2) for `signals`, which must be blocked in every
    /// thread: a signal that is not blocked takes its normal disposition and never reaches the fd.
    public static func signalDescriptor(for signals: [Int32]) throws(SystemError) -> Int32 {
        var set = signalSet(signals)
        let flags = Int32(SFD_NONBLOCK | SFD_CLOEXEC)
        guard case .processed(let fd) = try retrying("signalfd", { Int(CLinux.signalfd(-1, &set, flags)) }) else {
            throw SystemError(call: "signalfd", errno: EAGAIN)
        }
        return Int32(fd)
    }

    private static func signalSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        return set
    }

    /// Number of threads of this process (the entries of /proc/self/task).
    public static func threadCount() -> Int {
        guard let dir = opendir("/proc/self/task") else { return -1 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            if UInt8(bitPattern: entry.pointee.d_name.0) != UInt8(ascii: ".") { count += 1 }
        }
        return count
    }

    /// Number of open file descriptors of this process (for leak checks and status lines).
    public static func openDescriptorCount() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var count = 0
        while readdir(dir) != nil { count += 1 }
        return count - 3  // ".", ".." and the directory's own descriptor
    }
}
