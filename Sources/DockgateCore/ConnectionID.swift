import Synchronization

/// A process-unique number for one accepted client connection, used to correlate log lines.
public struct ConnectionID: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt64

    private static let counter = Atomic<UInt64>(0)

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The next unused id; safe to call from any thread.
    public static func next() -> ConnectionID {
        ConnectionID(rawValue: counter.add(1, ordering: .relaxed).newValue)
    }

    public var description: String { "c\(rawValue)" }
}
