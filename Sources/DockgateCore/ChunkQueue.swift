/// Outgoing data kept as the chunks it arrived in.
///
/// The proxy must not coalesce writes: dockerd flushes every write, clients render progress as it
/// comes, and a 101 head must travel in a TLS record of its own (docker-py#3332). Each chunk is
/// therefore written on its own, possibly in several partial writes.
public struct ChunkQueue: Sendable {
    private var chunks: [[UInt8]] = []
    private var headIndex = 0
    /// Bytes of the first chunk already written.
    private var headOffset = 0
    public private(set) var byteCount = 0

    public init() {}

    public var isEmpty: Bool { byteCount == 0 }

    public mutating func append(_ chunk: [UInt8]) {
        guard !chunk.isEmpty else { return }
        chunks.append(chunk)
        byteCount += chunk.count
    }

    /// Calls `body` with the unwritten rest of the first chunk; `body` returns how many bytes it wrote.
    public mutating func writeFirst(_ body: (UnsafeRawBufferPointer) -> Int) -> Int {
        guard headIndex < chunks.count else { return 0 }
        let offset = headOffset
        let written = chunks[headIndex].withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[offset...]))
        }
        markWritten(written)
        return written
    }

    private mutating func markWritten(_ n: Int) {
        guard n > 0 else { return }
        headOffset += n
        byteCount -= n
        if headOffset == chunks[headIndex].count {
            headIndex += 1
            headOffset = 0
            if headIndex == chunks.count {
                chunks = []
                headIndex = 0
            } else if headIndex > 64 {
                chunks.removeFirst(headIndex)
                headIndex = 0
            }
        }
    }

    public mutating func removeAll() {
        chunks = []
        headIndex = 0
        headOffset = 0
        byteCount = 0
    }
}
