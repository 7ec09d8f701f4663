#if canImport(Glibc)
import Glibc
#endif
internal import CZlib

/// Reads one audit file, plain or gzip'd, through zlib's `gzread`: gzip members are inflated
/// (logrotate's `compress`), anything else is passed through unchanged ("transparent" mode,
/// zlib.h `gzread`), so one code path reads `audit.log`, `audit.log.1` and `audit.log.2.gz`.
///
/// The handle is closed in `deinit`, the one place that owns it.
final class AuditFileReader {
    let path: String
    private let file: gzFile

    init(path: String) throws(AuditReadError) {
        self.path = path
        errno = 0
        guard let file = gzopen(path, "rb") else { throw .open(path: path, errno: errno) }
        self.file = file
        // A bigger internal buffer: fewer read(2) calls on a plain file, fewer inflate restarts.
        _ = gzbuffer(file, 256 * 1024)
    }

    deinit { gzclose_r(file) }

    /// Fills `buffer` from the start; returns the byte count, 0 at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(AuditReadError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = gzread(file, base, UInt32(min(buffer.count, Int(Int32.max))))
        // A gzip file cut short is not a failed read: zlib hands over what it inflated, ends, and
        // leaves Z_BUF_ERROR ("unexpected end of file") to be asked for (zlib.h, gzread).
        if count <= 0 {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) }
            if count < 0 || code != Z_OK { throw .read(path: path, message: message ?? "zlib error \(code)") }
        }
        return Int(count)
    }
}
