#if canImport(Glibc)
import Glibc
#endif
internal import CLinux

/// epoll(7) for `LoopPoller`: an event's 64-bit user data carries the poller's token.
extension Syscall {
    static let epollReadable = UInt32(EPOLLIN.rawValue)
    static let epollWritable = UInt32(EPOLLOUT.rawValue)
    /// Reported whether asked for or not.
    static let epollHangUpOrError = UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)

    static func epollCreate() throws(SystemError) -> Int32 {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SystemError(call: "epoll_create1", errno: Glibc.errno) }
        return fd
    }

    enum EpollChange {
        case add, modify, delete
        var operation: Int32 {
            switch self {
            case .add: EPOLL_CTL_ADD
            case .modify: EPOLL_CTL_MOD
            case .delete: EPOLL_CTL_DEL
            }
        }
    }

    static func epollControl(_ epollFD: Int32, _ change: EpollChange, _ fd: Int32, events: UInt32, token: UInt64) throws(SystemError) {
        var event = epoll_event(events: events, data: epoll_data_t(u64: token))
        guard epoll_ctl(epollFD, change.operation, fd, &event) == 0 else {
            throw SystemError(call: "epoll_ctl", errno: Glibc.errno)
        }
    }

    /// Fills `events` with what is ready now, without blocking; returns how many. A failure
    /// reads as none: with a zero timeout nothing can interrupt the call, and the other errors (a
    /// bad descriptor or buffer) are programming errors.
    static func epollReadyNow(_ epollFD: Int32, into events: UnsafeMutablePointer<epoll_event>, capacity: Int) -> Int {
        max(0, Int(epoll_wait(epollFD, events, Int32(capacity), 0)))
    }

    /// Both directions: the next read sees end of stream and the next write fails.
    public static func shutdownBoth(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }
}
