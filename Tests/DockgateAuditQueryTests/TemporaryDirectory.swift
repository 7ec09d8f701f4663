#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A fresh directory under /tmp, removed with its contents when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/dockgate-auditquery-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
        return file(name)
    }

    /// Writes `name` gzip'd (by the gzip tool, as logrotate's `compress` does).
    func writeGzip(_ name: String, _ text: String) throws {
        let plain = try write(String(name.dropLast(3)), text)
        try run("/bin/gzip", ["-n", plain])
    }

    func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    }

    func setModified(_ name: String, micros: Int64) {
        var times = [timespec](repeating: timespec(tv_sec: Int(micros / 1_000_000), tv_nsec: 0), count: 2)
        _ = utimensat(AT_FDCWD, file(name), &times, 0)
    }
}
