import Dispatch
import Foundation

/// Where a connection machine reads the time: record timestamps and durations. The driver uses
/// the system clock; unit tests use one they move by hand.
protocol ConnectionClock: Sendable {
    /// Wall-clock time for audit records.
    var now: Date { get }
    /// A monotonic count of nanoseconds for durations.
    var uptimeNanoseconds: UInt64 { get }
}

struct SystemConnectionClock: ConnectionClock {
    var now: Date { Date() }
    var uptimeNanoseconds: UInt64 { DispatchTime.now().uptimeNanoseconds }
}
