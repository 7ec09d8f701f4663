import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DockgateSyscall

/// File operations with the guarantees a PKI needs: a crash never leaves a half-written key or
/// certificate behind (temp file + fsync + rename), and modes are set with `fchmod` so the
/// caller's umask can neither widen nor narrow them.
enum SecureFileSystem {
    /// Writes a file atomically. `body` receives a descriptor of a fresh temporary file that was
    /// created with mode 0600, so secrets are never readable by others, not even briefly.
    static func writeAtomically(_ path: String, mode: mode_t, _ body: (Int32) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = directory + "/." + name + ".tmp-" + randomSuffix()
        let fd: Int32
        do {
            fd = try Syscall.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode: 0o600)
        } catch {
            throw PKIError.io(operation: "create", path: temporary, code: error.errno)
        }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(fd) }
            guard fchmod(fd, mode) == 0 else { throw PKIError.io(operation: "chmod", path: temporary, code: errno) }
            try body(fd)
            guard fsync(fd) == 0 else { throw PKIError.io(operation: "fsync", path: temporary, code: errno) }
        }
        guard rename(temporary, path) == 0 else { throw PKIError.io(operation: "rename", path: path, code: errno) }
        renamed = true
        syncDirectory(directory)
    }

    /// Writes `bytes` atomically with `mode`.
    static func writeAtomically(_ path: String, bytes: [UInt8], mode: mode_t) throws {
        try writeAtomically(path, mode: mode) { fd in try writeAll(fd, bytes, path: path) }
    }

    /// Writes the whole buffer, continuing after short writes.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            do {
                offset += try Syscall.restarting("write") {
                    bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                }
            } catch {
                throw PKIError.io(operation: "write", path: path, code: error.errno)
            }
        }
    }

    /// Reads a whole file (PEM files and the index are small), reporting the real errno.
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd: Int32
        do {
            fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC)
        } catch {
            throw PKIError.io(operation: "open", path: path, code: error.errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count: Int
            do {
                count = try Syscall.restarting("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            } catch {
                throw PKIError.io(operation: "read", path: path, code: error.errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Creates `path` (and missing parents) and sets it to 0700. A directory that already exists is
    /// tightened only when `mayTighten` approves, so pointing the PKI at e.g. `/etc` cannot chmod it.
    static func makePrivateDirectory(_ path: String, mayTighten: (String) throws -> Void = { _ in }) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PKIError.unsafeDirectory(path: path, reason: "it exists and is not a directory")
            }
            try mayTighten(path)
        } else {
            try makeParents(of: path)
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw PKIError.io(operation: "mkdir", path: path, code: errno)
            }
        }
        guard chmod(path, 0o700) == 0 else { throw PKIError.io(operation: "chmod", path: path, code: errno) }
    }

    /// `mkdir -p` for the parents of `path`, mode 0755 (before umask): they are ordinary
    /// directories like `/etc/dockgate`; only the PKI root itself is private.
    private static func makeParents(of path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/").dropLast() {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw PKIError.io(operation: "mkdir", path: current, code: errno)
            }
        }
    }

    /// Makes a rename durable; failure is ignored because the data itself is already synced.
    static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// A short random suffix so concurrent writers never share a temporary name.
    static func randomSuffix() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 36)
    }
}
