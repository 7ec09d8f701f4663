#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DockgateSyscall

/// An exclusive `flock` on the PKI root, held while the PKI is changed, so two concurrent
/// `dockgate pki` commands cannot lose each other's `index.json` entries or race on `init`.
/// The lock is released when the object is deallocated (or the process exits).
final class DirectoryLock {
    private let fd: Int32

    init(_ path: String) throws {
        let fd: Int32
        do {
            fd = try Syscall.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        } catch {
            throw PKIError.io(operation: "open", path: path, code: error.errno)
        }
        do {
            _ = try Syscall.restarting("flock") { Int(flock(fd, LOCK_EX)) }
        } catch {
            close(fd)
            throw PKIError.io(operation: "flock", path: path, code: error.errno)
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }
}

extension DirectoryLock {
    /// Runs `body` while holding the lock on `path`; the lock cannot be released early by the
    /// optimizer because its lifetime is pinned to the closure.
    static func withLock<T>(on path: String, _ body: () throws -> T) throws -> T {
        let lock = try DirectoryLock(path)
        return try withExtendedLifetime(lock) { try body() }
    }
}
