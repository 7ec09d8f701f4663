/// Records with their JSON lines, encoded once and handed to every sink: the file and stdout sinks
/// write `bytes` as they are, journald takes each record's fields and its line.
public struct EncodedAuditRecords: Sendable {
    public let records: [AuditRecord]
    /// Every record's line, in order, each ending in `"\n"`.
    public private(set) var bytes: [UInt8]
    /// Where each record's line ends in `bytes` (just past its `"\n"`).
    private var lineEnds: [Int]

    /// A buffer grown past this by one huge batch is not kept for the next.
    static let largestReusedBuffer = 1 << 20

    public init(_ records: [AuditRecord]) {
        var fresh: [UInt8] = []
        self.init(records, reusing: &fresh)
    }

    /// Encodes into `buffer`'s storage (taken, emptied first), so a writer that takes it back with
    /// `releaseBuffer()` allocates only when a batch outgrows every earlier one.
    init(_ records: [AuditRecord], reusing buffer: inout [UInt8]) {
        self.records = records
        var bytes: [UInt8] = []
        swap(&bytes, &buffer)  // the only reference, so emptying keeps the storage without a copy
        bytes.removeAll(keepingCapacity: bytes.capacity <= Self.largestReusedBuffer)
        var lineEnds: [Int] = []
        lineEnds.reserveCapacity(records.count)
        for record in records {
            AuditJSON.appendLine(record, to: &bytes)
            lineEnds.append(bytes.count)
        }
        self.bytes = bytes
        self.lineEnds = lineEnds
    }

    /// Record `index`'s line without its `"\n"`.
    public func line(at index: Int) -> ArraySlice<UInt8> {
        let start = index == 0 ? 0 : lineEnds[index - 1]
        return bytes[start..<(lineEnds[index] - 1)]
    }

    /// The byte buffer, for the next batch to encode into.
    consuming func releaseBuffer() -> [UInt8] { bytes }
}
