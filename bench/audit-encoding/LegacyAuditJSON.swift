// The String-based encoder that AuditJSON replaced (commit 5b42122), kept here only so the
// benchmark can measure both in the same run. Not used by dockgate.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DockgateAudit

/// Renders an `AuditRecord` as one JSON object on one line (JSON Lines).
///
/// Keys come in a fixed order so lines diff and grep well; absent values are omitted rather than
/// written as `null`. Every string is escaped so that nothing a client controls (CN, path, image,
/// command) can end the line or the string early (THREATS T-06): besides `"` and `\`, all C0 and
/// C1 control characters (including NEL, U+0085), DEL, the Unicode line and paragraph separators
/// (U+2028/U+2029, line breaks to JavaScript and some log shippers), the bidirectional formatting
/// characters (which can make a line *display* as something else in a terminal) and the BOM are
/// written as `\uXXXX`. Everything else is literal UTF-8.
enum LegacyAuditJSON {
    /// The record as a JSON object followed by `"\n"`.
    static func line(_ record: AuditRecord) -> String {
        var out = ObjectWriter()
        out.string("time", LegacyAuditTime.rfc3339(record.time))
        out.string("kind", record.kind.rawValue)
        out.number("conn", String(record.connectionID))
        out.number("seq", record.sequence.map { String($0) })
        out.string("client", record.clientAddress)
        out.number("port", String(record.clientPort))
        out.string("cn", record.commonName)
        out.string("serial", record.serial)
        out.string("fingerprint", record.fingerprint)
        out.string("policy", record.policy)
        out.string("method", record.method)
        out.string("path", record.path)
        out.string("api_version", record.apiVersion)
        out.string("group", record.group)
        out.string("action", record.action)
        out.string("decision", record.decision?.rawValue)
        out.string("rule", record.rule)
        out.string("reason", record.reason)
        out.number("status", record.status.map { String($0) })
        out.number("bytes_in", record.bytesIn.map { String($0) })
        out.number("bytes_out", record.bytesOut.map { String($0) })
        out.number("duration_us", record.durationMicros.map { String($0) })
        if !record.details.isEmpty {
            out.key("details")
            appendObject(record.details, to: &out.text)
        }
        return out.finish() + "\n"
    }

    /// Appends `text` as a quoted, escaped JSON string.
    static func appendString(_ text: String, to out: inout String) {
        out.append("\"")
        // Fast path: printable ASCII without a quote or backslash needs no escaping at all.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            out.append(text)
            out.append("\"")
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where mustEscape(scalar): appendUnicodeEscape(scalar, to: &out)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }

    /// Scalars that could end a line or change what a terminal shows: the ones `line` escapes.
    static func mustEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true         // C0, DEL, C1 (NEL is U+0085)
        case 0x2028, 0x2029: true                   // line / paragraph separator
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidi controls
        case 0xFEFF: true                           // BOM / zero-width no-break space
        default: false
        }
    }

    private static func appendUnicodeEscape(_ scalar: Unicode.Scalar, to out: inout String) {
        // Every escaped scalar is in the BMP, so one \uXXXX suffices.
        let hex = String(scalar.value, radix: 16)
        out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
    }

    private static func appendValue(_ value: AuditValue, to out: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .int(let number): out.append(String(number))
        case .bool(let flag): out.append(flag ? "true" : "false")
        case .strings(let list):
            out.append("[")
            for (index, item) in list.enumerated() {
                if index > 0 { out.append(",") }
                appendString(item, to: &out)
            }
            out.append("]")
        case .object(let fields): appendObject(fields, to: &out)
        }
    }

    private static func appendObject(_ fields: [(String, AuditValue)], to out: inout String) {
        out.append("{")
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { out.append(",") }
            appendString(key, to: &out)
            out.append(":")
            appendValue(value, to: &out)
        }
        out.append("}")
    }

    /// Writes `"key":value` pairs with the commas in between, skipping absent values.
    private struct ObjectWriter {
        var text = "{"
        private var isFirst = true

        init() { text.reserveCapacity(512) }

        mutating func key(_ name: String) {
            if !isFirst { text.append(",") }
            isFirst = false
            LegacyAuditJSON.appendString(name, to: &text)
            text.append(":")
        }

        mutating func string(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            LegacyAuditJSON.appendString(value, to: &text)
        }

        mutating func number(_ name: String, _ digits: String?) {
            guard let digits else { return }
            key(name)
            text.append(digits)
        }

        func finish() -> String { text + "}" }
    }
}

/// RFC 3339 timestamps for audit records: UTC, always six fractional digits, `Z`.
///
/// Computed by hand (Howard Hinnant's `civil_from_days`) rather than with a date formatter: no
/// locale, no time zone database, no allocation of a formatter per thread, and the same digits on
/// every platform.
enum LegacyAuditTime {
    static func rfc3339(_ date: Date) -> String {
        // Round to the nearest microsecond once, so 0.123456 stored as 0.1234559999 still prints 123456.
        let totalMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, micros) = floorDivide(totalMicros, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
            + "." + pad(micros, 6) + "Z"
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
