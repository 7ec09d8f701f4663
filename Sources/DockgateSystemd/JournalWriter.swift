#if canImport(Glibc)
import Glibc
#endif
internal import CSystemd

/// Writes structured entries to journald through libsystemd.
///
/// `sd_journal_send` is variadic and unavailable to Swift, so this uses `sd_journal_sendv` with one
/// `iovec` per `NAME=value`. libsystemd sends a value that contains a newline in the journal's
/// binary form (name, `\n`, 64-bit little-endian length, data, `\n`; systemd journal-send.c), so a
/// client-supplied string in a value cannot start a second field.
public enum JournalWriter {
    /// Where libsystemd 252 sends entries; hard-coded there too.
    public static let socketPath = "/run/systemd/journal/socket"

    /// Sends one entry; returns once journald's socket has accepted the datagram.
    ///
    /// Throws `.notRunning` when the journal socket does not exist, because libsystemd would report
    /// success and drop the entry (a race with journald disappearing between the check and the send
    /// remains, and is libsystemd's), and `.sendFailed(errno)` on a negative return.
    /// The send blocks while journald's receive queue is full: libsystemd's socket is blocking.
    public static func send(_ fields: [JournalField]) throws(JournalError) {
        guard !fields.isEmpty else { throw .empty }
        guard journalSocketExists() else { throw .notRunning(socketPath: socketPath) }

        // One buffer holds every "NAME=value"; the iovecs point into it.
        let encoded = fields.map { Array("\($0.name)=\($0.value)".utf8) }
        let total = encoded.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        defer { storage.deallocate() }
        var vectors: [iovec] = []
        vectors.reserveCapacity(encoded.count)
        var offset = 0
        for bytes in encoded {
            let start = storage.baseAddress! + offset
            bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            vectors.append(iovec(iov_base: start, iov_len: bytes.count))
            offset += bytes.count
        }
        let result = vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        guard result >= 0 else { throw .sendFailed(errno: -result) }
    }

    private static func journalSocketExists() -> Bool {
        var info = stat()
        guard stat(socketPath, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFSOCK
    }
}
