#if canImport(Glibc)
import Glibc
#endif

/// A listening unix stream socket at a path, created with a fixed mode and removed again by its
/// owner on close.
///
/// A socket file left behind by a process that died without removing it (a crash, SIGKILL) is
/// stale: nothing accepts on it, so connecting fails with `ECONNREFUSED`, and it is replaced. A
/// socket someone still accepts on, or anything that is not a socket, is never touched.
enum UnixListeningSocket {
    static func open(path: String, mode: mode_t) throws(SystemError) -> (fd: Int32, inode: ino_t) {
        try removeIfStale(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket", errno: errno) }
        do throws(SystemError) {
            var address = try Self.address(path)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else { throw SystemError(call: "bind(unix://\(path))", errno: errno) }
            // Before listen(2): nobody can connect until the mode is the intended one.
            guard chmod(path, mode) == 0 else {
                let error = SystemError(call: "chmod(\(path))", errno: errno)
                unlink(path)
                throw error
            }
            guard listen(fd, 64) == 0 else {
                let error = SystemError(call: "listen(unix://\(path))", errno: errno)
                unlink(path)
                throw error
            }
            var status = stat()
            guard lstat(path, &status) == 0 else { throw SystemError(call: "lstat(\(path))", errno: errno) }
            return (fd, status.st_ino)
        } catch {
            Syscall.close(fd)
            throw error
        }
    }

    /// Removes `path` if it is still the socket this process bound (same inode): a successor that
    /// already replaced it keeps its own.
    static func remove(path: String, inode: ino_t) {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_ino == inode, (status.st_mode & S_IFMT) == S_IFSOCK else { return }
        unlink(path)
    }

    private static func removeIfStale(_ path: String) throws(SystemError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard (status.st_mode & S_IFMT) == S_IFSOCK else {
            throw SystemError(call: "bind(unix://\(path)): the path exists and is not a socket", errno: EEXIST)
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw SystemError(call: "socket", errno: errno) }
        defer { Syscall.close(probe) }
        var address = try Self.address(path)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected == 0 {
            throw SystemError(call: "bind(unix://\(path)): another process is listening there", errno: EADDRINUSE)
        }
        guard errno == ECONNREFUSED else { throw SystemError(call: "connect(\(path))", errno: errno) }
        guard unlink(path) == 0 || errno == ENOENT else { throw SystemError(call: "unlink(\(path))", errno: errno) }
    }

    private static func address(_ path: String) throws(SystemError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemError(call: "bind(unix://\(path))", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return address
    }
}
