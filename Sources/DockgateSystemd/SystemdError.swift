#if canImport(Glibc)
import Glibc
#endif

/// A libsystemd call that failed. libsystemd reports failures as a negative errno in the return
/// value (not `-1` + `errno`), so the errno here comes from that value.
public enum SystemdError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `sd_listen_fds_with_names` refused the environment (for example `LISTEN_FDS` names a
    /// descriptor that is not open: `EBADF`).
    case listenFDs(errno: Int32)
    /// An inherited socket could not be made non-blocking.
    case setNonBlocking(fd: Int32, errno: Int32)
    /// `sd_notify` could not deliver a state change to the service manager.
    case notify(state: String, errno: Int32)

    public var description: String {
        switch self {
        case .listenFDs(let errno):
            "socket activation: sd_listen_fds_with_names failed: \(Self.message(errno))"
        case .setNonBlocking(let fd, let errno):
            "socket activation: cannot make inherited fd \(fd) non-blocking: \(Self.message(errno))"
        case .notify(let state, let errno):
            "sd_notify(\(state.split(separator: "\n").first ?? "")): \(Self.message(errno))"
        }
    }

    static func message(_ errno: Int32) -> String { String(cString: strerror(errno)) }
}
