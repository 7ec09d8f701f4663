#if canImport(Glibc)
import Glibc
#endif

/// Splits a byte stream into lines with one fixed buffer: memory stays flat however large the file.
///
/// A line longer than `maxLineBytes` is not a record dockgate wrote (requests are bounded far
/// below that); it is reported to `body` as `nil` (skipped, counted) and its bytes are discarded
/// as they arrive, so one runaway line cannot grow the buffer. A last line without `\n` (a write
/// cut short by a crash) is still delivered.
struct LineSplitter {
    static let defaultMaxLineBytes = 4 * 1024 * 1024
    static let chunkBytes = 1024 * 1024

    let maxLineBytes: Int

    init(maxLineBytes: Int = LineSplitter.defaultMaxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// Calls `body` for each line (without its `\n`), or with nil for an oversized one.
    /// `read` fills the buffer it is given and returns the count, 0 at the end.
    func forEachLine<E: Error>(
        read: (UnsafeMutableRawBufferPointer) throws(E) -> Int,
        _ body: (UnsafeBufferPointer<UInt8>?) -> Void
    ) throws(E) {
        let capacity = maxLineBytes + Self.chunkBytes
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
        defer { storage.deallocate() }
        let base = storage.baseAddress!
        var filled = 0          // bytes in storage[0..<filled]
        var discarding = false  // inside an oversized line: drop bytes until its newline
        while true {
            let room = min(Self.chunkBytes, capacity - filled)
            let count = try read(UnsafeMutableRawBufferPointer(start: base + filled, count: room))
            if count == 0 { break }
            let end = filled + count
            var start = 0
            var searchFrom = filled
            while searchFrom < end,
                let found = memchr(base + searchFrom, 0x0A, end - searchFrom)
            {
                let newline = UnsafeMutablePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                if discarding {
                    discarding = false
                } else {
                    body(UnsafeBufferPointer(start: base + start, count: newline - start))
                }
                start = newline + 1
                searchFrom = start
            }
            let rest = end - start
            if discarding {
                filled = 0
            } else if rest > maxLineBytes {
                body(nil)
                discarding = true
                filled = 0
            } else {
                if start > 0 && rest > 0 { memmove(base, base + start, rest) }
                filled = rest
            }
        }
        if filled > 0 && !discarding { body(UnsafeBufferPointer(start: base, count: filled)) }
    }
}
