#if canImport(Glibc)
import Glibc
#endif
internal import CSystemd

/// Reads entries back from the journal through libsystemd's `sd_journal` API: the local journal
/// (system and user files, as `journalctl` does) or explicit journal files (`journalctl --file`).
///
/// One reader, one thread: `sd_journal` objects must not be shared (sd-journal(3)). The handle is
/// closed in `deinit`, the one place that owns it.
public final class JournalReader {
    private let journal: OpaquePointer

    /// The journal of this machine. `SD_JOURNAL_LOCAL_ONLY`: entries of this host only.
    public convenience init() throws(JournalReadError) {
        var handle: OpaquePointer?
        let result = sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
        guard result >= 0, let handle else { throw .open(what: "local journal", errno: -result) }
        self.init(handle: handle)
    }

    /// The given journal files only (for example files written by `systemd-journal-remote`).
    public convenience init(files: [String]) throws(JournalReadError) {
        var handle: OpaquePointer?
        var cStrings = files.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        cStrings.append(nil)
        let result = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                sd_journal_open_files(&handle, $0, 0)
            }
        }
        guard result >= 0, let handle else { throw .open(what: files.joined(separator: ", "), errno: -result) }
        self.init(handle: handle)
    }

    private init(handle: OpaquePointer) {
        journal = handle
        // Values are returned whole: the default threshold (64 KiB) would cut long records.
        _ = sd_journal_set_data_threshold(journal, 0)
    }

    deinit { sd_journal_close(journal) }

    /// Only entries with this exact `FIELD=value` (matches on one field are ORed, on different
    /// fields ANDed; sd_journal_add_match(3)).
    public func addMatch(_ match: String) throws(JournalReadError) {
        let result = match.withCString { sd_journal_add_match(journal, $0, 0) }
        guard result >= 0 else { throw .call("sd_journal_add_match(\(match))", errno: -result) }
    }

    /// Positions the reader so that `next()` returns the first entry at or after this wall-clock time.
    public func seek(realtimeMicros: UInt64) throws(JournalReadError) {
        let result = sd_journal_seek_realtime_usec(journal, realtimeMicros)
        guard result >= 0 else { throw .call("sd_journal_seek_realtime_usec", errno: -result) }
    }

    /// Moves to the next entry; false at the end.
    public func next() throws(JournalReadError) -> Bool {
        let result = sd_journal_next(journal)
        guard result >= 0 else { throw .call("sd_journal_next", errno: -result) }
        return result > 0
    }

    /// The current entry's wall-clock time, microseconds since the epoch.
    public func realtimeMicros() throws(JournalReadError) -> UInt64 {
        var micros: UInt64 = 0
        let result = sd_journal_get_realtime_usec(journal, &micros)
        guard result >= 0 else { throw .call("sd_journal_get_realtime_usec", errno: -result) }
        return micros
    }

    /// Calls `body` with the value of `field` of the current entry (without `FIELD=`), or returns
    /// nil when the entry has no such field. The bytes are valid only inside `body`.
    public func withValue<T>(of field: String, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        var data: UnsafeRawPointer?
        var length = 0
        let result = field.withCString { sd_journal_get_data(journal, $0, &data, &length) }
        if result == -ENOENT { return nil }
        guard result >= 0, let data else { throw JournalReadError.call("sd_journal_get_data(\(field))", errno: -result) }
        let prefix = field.utf8.count + 1
        guard length >= prefix else { return nil }
        return try body(UnsafeRawBufferPointer(start: data + prefix, count: length - prefix))
    }
}
