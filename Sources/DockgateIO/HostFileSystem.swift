#if canImport(Glibc)
import Glibc
#endif

/// The few file system questions dockgate asks about host paths (bind sources and bind roots),
/// as thrown, typed errors. Paths are bytes: the kernel compares names byte for byte.
public enum HostFileSystem {
    /// `ST_NOSYMFOLLOW` in statvfs's `f_flag` (Linux 5.10+, `MS_NOSYMFOLLOW` = 256 at mount(2)).
    /// Debian 12's glibc 2.36 headers do not define it; the value is the kernel's
    /// (include/linux/statfs.h `ST_NOSYMFOLLOW 0x2000`).
    public static let noSymlinkFollowFlag: UInt = 0x2000

    public enum EntryKind: Sendable, Equatable {
        case symlink, directory, other
    }

    /// lstat(2): what the last component is, without following it; nil when it does not exist
    /// (ENOENT). Every other failure (EACCES, ENOTDIR, ELOOP, …) is thrown.
    public static func entryKind(_ path: [UInt8]) throws(SystemError) -> EntryKind? {
        var info = stat()
        let result = withCString(path) { lstat($0, &info) }
        if result != 0 && errno == ENOENT { return nil }
        guard result == 0 else { throw SystemError(call: "lstat", errno: errno) }
        switch info.st_mode & S_IFMT {
        case S_IFLNK: return .symlink
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// readlink(2): the link's target bytes, unchanged.
    public static func readLink(_ path: [UInt8]) throws(SystemError) -> [UInt8] {
        var capacity = 4096
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let count = withCString(path) { name in
                buffer.withUnsafeMutableBytes { readlink(name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), capacity) }
            }
            guard count >= 0 else { throw SystemError(call: "readlink", errno: errno) }
            if count < capacity { return Array(buffer[0..<count]) }
            capacity *= 4
            guard capacity <= 1 << 20 else { throw SystemError(call: "readlink", errno: ENAMETOOLONG) }
        }
    }

    /// statvfs(3)'s `f_flag` for the mount `path` is on (the path itself is followed).
    public static func mountFlags(_ path: String) throws(SystemError) -> UInt {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw SystemError(call: "statvfs", errno: errno) }
        return UInt(info.f_flag)
    }

    private static func withCString<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (path + [0]).withUnsafeBufferPointer { bytes in
            bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { body($0) }
        }
    }
}
