#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A fresh directory under /tmp (short: a unix socket path must fit in 108 bytes), removed with
/// whatever the test left in it.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/dgio.XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: try #require(created))
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(path)
    }
}
