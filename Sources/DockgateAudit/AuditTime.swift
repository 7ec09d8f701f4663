#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RFC 3339 timestamps for audit records: UTC, always six fractional digits, `Z`.
///
/// Computed by hand (Howard Hinnant's `civil_from_days`) rather than with a date formatter: no
/// locale, no time zone database, no allocation of a formatter per thread, and the same digits on
/// every platform.
package enum AuditTime {
    package static func rfc3339(_ date: Date) -> String {
        var bytes: [UInt8] = []
        appendRFC3339(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The timestamp's bytes appended to `out`, without an intermediate `String`.
    package static func appendRFC3339(_ date: Date, to out: inout [UInt8]) {
        // Round to the nearest microsecond once, so 0.123456 stored as 0.1234559999 still prints 123456.
        let totalMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, micros) = floorDivide(totalMicros, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        if (0...9999).contains(year) {
            out.appendPadded(UInt64(year), width: 4)
        } else {
            // Five-digit and negative years keep the rendering they always had.
            out.append(contentsOf: pad(year, 4).utf8)
        }
        // Everything after the year is non-negative and fits its width (floorDivide, civil).
        out.append(UInt8(ascii: "-"))
        out.appendPadded(UInt64(month), width: 2)
        out.append(UInt8(ascii: "-"))
        out.appendPadded(UInt64(day), width: 2)
        out.append(UInt8(ascii: "T"))
        out.appendPadded(UInt64(secondOfDay / 3600), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendPadded(UInt64(secondOfDay / 60 % 60), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendPadded(UInt64(secondOfDay % 60), width: 2)
        out.append(UInt8(ascii: "."))
        out.appendPadded(UInt64(micros), width: 6)
        out.append(UInt8(ascii: "Z"))
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let quotient = a >= 0 ? a / b : -((-a + b - 1) / b)
        return (quotient, a - quotient * b)
    }

    /// Days since 1970-01-01 → proleptic Gregorian (year, month, day).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
