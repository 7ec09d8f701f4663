/// Wall-clock instants as microseconds since the Unix epoch, read from RFC 3339 text.
///
/// The trail's own times are `2026-11-25T08:30:01.123456Z` (AuditTime); users may also type an
/// offset (`+02:00`), fewer or no fractional digits, a space for `T`, or a date alone (midnight
/// UTC). Parsed by hand, with Howard Hinnant's `days_from_civil`, for the same reasons AuditTime
/// renders by hand: no locale, no formatter, and it runs once per line of a month of records.
public enum AuditTimestamp {
    /// Microseconds since the epoch, or nil when `text` is not RFC 3339.
    public static func micros(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { micros(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
    }

    public static func micros(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var cursor = Cursor(bytes: bytes)
        guard let year = cursor.digits(4), cursor.take(UInt8(ascii: "-")),
            let month = cursor.digits(2), cursor.take(UInt8(ascii: "-")),
            let day = cursor.digits(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        if cursor.atEnd { return days * 86_400_000_000 }
        guard cursor.take(UInt8(ascii: "T")) || cursor.take(UInt8(ascii: "t")) || cursor.take(UInt8(ascii: " ")),
            let hour = cursor.digits(2), cursor.take(UInt8(ascii: ":")),
            let minute = cursor.digits(2), cursor.take(UInt8(ascii: ":")),
            let second = cursor.digits(2),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var micros: Int64 = 0
        if cursor.take(UInt8(ascii: ".")) {
            var scale: Int64 = 100_000
            var count = 0
            while let digit = cursor.digit() {
                micros += digit * scale
                scale /= 10
                count += 1
            }
            guard count > 0 else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if cursor.take(UInt8(ascii: "Z")) || cursor.take(UInt8(ascii: "z")) {
        } else if let sign = cursor.sign() {
            guard let hours = cursor.digits(2), cursor.take(UInt8(ascii: ":")), let minutes = cursor.digits(2),
                hours < 24, minutes < 60
            else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard cursor.atEnd else { return nil }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000 + micros
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of AuditTime's `civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int64? {
            guard index < bytes.count, bytes[index] &- 0x30 < 10 else { return nil }
            defer { index += 1 }
            return Int64(bytes[index] &- 0x30)
        }

        mutating func digits(_ count: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<count {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        mutating func sign() -> Int64? {
            if take(UInt8(ascii: "+")) { return 1 }
            if take(UInt8(ascii: "-")) { return -1 }
            return nil
        }
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DockgateAudit

extension AuditTimestamp {
    /// A record's time in microseconds (records carry microsecond times; this undoes the Double).
    public static func micros(of record: AuditRecord) -> Int64 {
        Int64((record.time.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// RFC 3339 UTC with microseconds, as the trail writes it.
    public static func text(_ micros: Int64) -> String {
        AuditTime.rfc3339(Date(timeIntervalSince1970: Double(micros) / 1_000_000))
    }
}
