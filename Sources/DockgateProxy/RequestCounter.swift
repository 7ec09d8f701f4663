import Synchronization

/// Requests judged since start, across all connections (for status lines).
public enum RequestCounter {
    private static let counter = Atomic<Int>(0)

    static func increment() { counter.add(1, ordering: .relaxed) }

    public static var total: Int { counter.load(ordering: .relaxed) }
}
