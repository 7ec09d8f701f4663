#if canImport(Glibc)
import Glibc
#endif
internal import CSystemd
import DockgateSyscall
import Synchronization

/// The listening sockets systemd passed to this process (`dockgate.socket` → `dockgate.service`).
///
/// sd_listen_fds(3): the sockets start at fd 3 (`SD_LISTEN_FDS_START`) and are described by
/// `LISTEN_FDS`, `LISTEN_PID` and `LISTEN_FDNAMES`. We ask libsystemd to unset those variables, so a
/// process we spawn can never mistake our sockets for its own; that makes the call consuming, hence
/// the cache: every later call returns the first answer.
public enum SocketActivation {
    private static let cache = Mutex<Result<[ActivatedSocket], SystemdError>?>(nil)

    /// The sockets passed by systemd, in `ListenStream=` order; empty when not socket-activated
    /// (no `LISTEN_FDS`, or `LISTEN_PID` names another process).
    ///
    /// Each descriptor is set `O_NONBLOCK` here: the man page only promises `FD_CLOEXEC`, and the
    /// event loop must never block in `accept`. Throws when libsystemd rejects the environment.
    public static func takeListeningSockets() throws(SystemdError) -> [ActivatedSocket] {
        let result = cache.withLock { cached in
            if let cached { return cached }
            let fresh = Result { () throws(SystemdError) in try readEnvironment() }
            cached = fresh
            return fresh
        }
        return try result.get()
    }

    /// One uncached pass over the environment; `internal` so tests can exercise the parsing path.
    static func readEnvironment() throws(SystemdError) -> [ActivatedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = sd_listen_fds_with_names(1, &names)
        defer { freeNames(names, count: max(count, 0)) }
        guard count >= 0 else { throw .listenFDs(errno: -count) }

        var sockets: [ActivatedSocket] = []
        sockets.reserveCapacity(Int(count))
        for index in 0..<count {
            let fd = SD_LISTEN_FDS_START + index
            do {
                try Syscall.setNonBlocking(fd)
            } catch {
                throw .setNonBlocking(fd: fd, errno: error.errno)
            }
            let name = names?[Int(index)].map { String(cString: $0) } ?? "unknown"
            sockets.append(ActivatedSocket(fd: fd, name: name))
        }
        return sockets
    }

    /// sd_listen_fds_with_names(3): "the array and the strings it contains must be freed with free(3)".
    private static func freeNames(_ names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int32) {
        guard let names else { return }
        var index = 0
        while let name = names[index] {
            free(name)
            index += 1
        }
        free(names)
    }
}
