#if canImport(Glibc)
import Glibc
#endif

/// The audit file and its logrotate rotations, oldest first, so records stream in time order.
///
/// deploy/logrotate/dockgate rotates with `rotate 12`, `compress` and `delaycompress`:
/// `audit.log` (current), `audit.log.1` (last week, plain), `audit.log.2.gz` … `audit.log.12.gz`.
/// Any `NAME.<number>` or `NAME.<number>.gz` beside the file is taken, whatever `rotate` says.
public enum RotatedAuditFiles {
    public static func paths(for file: String) -> [String] {
        let slash = file.lastIndex(of: "/")
        let directory = slash.map { String(file[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let base = slash.map { String(file[file.index(after: $0)...]) } ?? file
        var rotations: [(number: Int, path: String)] = []
        for name in entries(of: directory) {
            guard let number = rotationNumber(of: name, base: base) else { continue }
            rotations.append((number, directory == "/" ? "/" + name : directory + "/" + name))
        }
        // Higher numbers are older; a number present both plain and gzip'd (a rotation caught
        // mid-compress) reads the plain one first.
        rotations.sort { $0.number != $1.number ? $0.number > $1.number : !$0.path.hasSuffix(".gz") }
        return rotations.map(\.path) + [file]
    }

    /// `3` for `audit.log.3` or `audit.log.3.gz`; nil for anything else.
    static func rotationNumber(of name: String, base: String) -> Int? {
        guard name.hasPrefix(base + ".") else { return nil }
        var rest = name.dropFirst(base.count + 1)
        if rest.hasSuffix(".gz") { rest = rest.dropLast(3) }
        guard !rest.isEmpty, rest.utf8.allSatisfy({ $0 &- 0x30 < 10 }), let number = Int(rest) else { return nil }
        return number
    }

    /// Last modification, microseconds since the epoch; nil when the file cannot be stat'ed.
    public static func modifiedMicros(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1_000
    }

    private static func entries(of directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            names.append(name)
        }
        return names
    }
}
