/// The `--since` / `--until` range of a query, in microseconds since the epoch (both inclusive).
public struct TimeWindow: Sendable, Equatable {
    public var since: Int64?
    public var until: Int64?

    public init(since: Int64? = nil, until: Int64? = nil) {
        self.since = since
        self.until = until
    }

    public static let always = TimeWindow()

    /// `--since 2h` / `--until 2026-12-01T00:00:00Z`, relative to `now` (microseconds).
    public init(since: String?, until: String?, now: Int64) throws(TimeArgumentError) {
        self.since = try since.map { text throws(TimeArgumentError) in try Self.instant(text, now: now) }
        self.until = try until.map { text throws(TimeArgumentError) in try Self.instant(text, now: now) }
        if let from = self.since, let to = self.until, from > to { throw .emptyRange }
    }

    public func contains(_ micros: Int64) -> Bool {
        if let since, micros < since { return false }
        if let until, micros > until { return false }
        return true
    }

    /// An RFC 3339 time, or a duration back from now (`30m`, `2h`, `1d`, `1w`, `1h30m`, `now`).
    public static func instant(_ text: String, now: Int64) throws(TimeArgumentError) -> Int64 {
        if text == "now" { return now }
        if let micros = AuditTimestamp.micros(text) { return micros }
        if let span = RelativeDuration.micros(text) { return now - span }
        throw .notATime(text)
    }
}

public enum TimeArgumentError: Error, Equatable, Sendable, CustomStringConvertible {
    case notATime(String)
    case emptyRange

    public var description: String {
        switch self {
        case .notATime(let text):
            "\"\(text)\" is neither a duration (30m, 2h, 1d, 1w, 1h30m) nor an RFC 3339 time (2026-12-01T08:00:00Z)"
        case .emptyRange: "--since is later than --until"
        }
    }
}

/// `2h`, `1d`, `30m`, `45s`, `1w`, and sums of them (`1d12h`), as microseconds.
public enum RelativeDuration {
    public static func micros(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64? = nil
        for byte in text.utf8 {
            if byte &- 0x30 < 10 {
                let (times, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(byte - 0x30))
                guard !o1, !o2 else { return nil }
                number = sum
                continue
            }
            let unit: Int64
            switch byte {
            case UInt8(ascii: "s"): unit = 1_000_000
            case UInt8(ascii: "m"): unit = 60_000_000
            case UInt8(ascii: "h"): unit = 3_600_000_000
            case UInt8(ascii: "d"): unit = 86_400_000_000
            case UInt8(ascii: "w"): unit = 604_800_000_000
            default: return nil
            }
            guard let value = number else { return nil }
            let (part, o1) = value.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(part)
            guard !o1, !o2 else { return nil }
            total = sum
            number = nil
        }
        guard number == nil, !text.isEmpty else { return nil }
        return total
    }
}
