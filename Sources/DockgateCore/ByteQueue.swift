/// A FIFO of bytes: appended at the back, consumed from the front, without shifting on every read.
///
/// Storage is compacted only once the consumed prefix is larger than what is left, so consuming is
/// amortised O(1). When the queue empties its storage is released: idle connections hold no buffers.
public struct ByteQueue: Sendable {
    private var storage: [UInt8] = []
    private var readIndex = 0

    public init() {}

    public var count: Int { storage.count - readIndex }
    public var isEmpty: Bool { count == 0 }

    /// The unconsumed bytes. Indices are those of the underlying storage; use `startIndex`.
    public var readable: ArraySlice<UInt8> { storage[readIndex...] }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        storage.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
    }

    /// Removes and returns the first `n` bytes as an array of their own.
    public mutating func take(_ n: Int) -> [UInt8] {
        precondition(n <= count, "take beyond the end of the queue")
        let taken = Array(storage[readIndex..<readIndex + n])
        consume(n)
        return taken
    }

    public mutating func consume(_ n: Int) {
        precondition(n <= count, "consume beyond the end of the queue")
        readIndex += n
        if readIndex == storage.count {
            storage = []
            readIndex = 0
        } else if readIndex > 4096 && readIndex > storage.count / 2 {
            storage.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    public mutating func removeAll() {
        storage = []
        readIndex = 0
    }
}
