#if canImport(Glibc)
import Glibc
#endif

extension Syscall {
    /// TCP_NODELAY for interactive TTY echo, and keepalive probes so a vanished client of an idle
    /// tunnel is detected (Go's listener does the same, at 15 s).
    public static func configureClientSocket(_ fd: Int32) {
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        setOption(fd, level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1)
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_KEEPIDLE, value: 15)
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_KEEPINTVL, value: 15)
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_KEEPCNT, value: 4)
    }
}
