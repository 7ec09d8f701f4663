#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DockgateAudit
#if canImport(Glibc)
import Glibc
#endif

/// One line of the trail back into an `AuditRecord`: the inverse of `AuditJSON.line`.
///
/// Keys may come in any order and unknown keys are ignored (a newer dockgate may add some); a
/// line without a valid `time`, a known `kind` and a `conn` is not a record (nil).
public enum AuditLineParser {
    public static func record(_ line: UnsafeBufferPointer<UInt8>) -> AuditRecord? {
        var reader = JSONLineReader(line)
        var time: Int64?
        var kind: AuditRecord.Kind?
        var connection: UInt64?
        var record = AuditRecord(kind: .request, time: Date(timeIntervalSince1970: 0), connectionID: 0, clientAddress: "", clientPort: 0)
        let ok = reader.object { reader, key in
            switch key {
            case "time":
                guard let text = reader.stringOrNull() else { return false }
                time = text.flatMap(AuditTimestamp.micros)
                return time != nil
            case "kind":
                guard let text = reader.stringOrNull(), let known = text.flatMap(AuditRecord.Kind.init(rawValue:)) else { return false }
                kind = known
            case "conn":
                guard let number = reader.integer(), number >= 0 else { return false }
                connection = UInt64(number)
            case "seq": return reader.optionalInteger(into: &record.sequence) { Int(exactly: $0) }
            case "port":
                var port: UInt16?
                guard reader.optionalInteger(into: &port, { UInt16(exactly: $0) }) else { return false }
                record.clientPort = port ?? 0
            case "client":
                guard let text = reader.stringOrNull() else { return false }
                record.clientAddress = text ?? ""
            case "cn": return reader.optionalString(into: &record.commonName)
            case "serial": return reader.optionalString(into: &record.serial)
            case "fingerprint": return reader.optionalString(into: &record.fingerprint)
            case "policy": return reader.optionalString(into: &record.policy)
            case "method": return reader.optionalString(into: &record.method)
            case "path": return reader.optionalString(into: &record.path)
            case "api_version": return reader.optionalString(into: &record.apiVersion)
            case "group": return reader.optionalString(into: &record.group)
            case "action": return reader.optionalString(into: &record.action)
            case "decision":
                // Only the words dockgate writes; anything else makes the line unreadable.
                var word: String?
                guard reader.optionalString(into: &word) else { return false }
                guard let word else { break }
                guard let decision = AuditRecord.Decision(name: word) else { return false }
                record.decision = decision
            case "rule": return reader.optionalString(into: &record.rule)
            case "reason": return reader.optionalString(into: &record.reason)
            case "status": return reader.optionalInteger(into: &record.status) { Int(exactly: $0) }
            case "bytes_in": return reader.optionalInteger(into: &record.bytesIn) { UInt64(exactly: $0) }
            case "bytes_out": return reader.optionalInteger(into: &record.bytesOut) { UInt64(exactly: $0) }
            case "duration_us": return reader.optionalInteger(into: &record.durationMicros) { UInt64(exactly: $0) }
            case "details":
                switch reader.value() {
                case .value(.object(let fields))?: record.details = fields
                case .null?: break
                default: return false
                }
            default:
                return reader.value() != nil
            }
            return true
        }
        guard ok, reader.atEnd, let time, let kind, let connection else { return nil }
        record.kind = kind
        record.time = Date(timeIntervalSince1970: Double(time) / 1_000_000)
        record.connectionID = connection
        return record
    }

    /// The time of a line dockgate wrote, without parsing the rest: AuditJSON puts `"time"` first
    /// and always in the same 27-character UTC form. Nil for any other shape (parse it fully).
    public static func leadingTime(_ line: UnsafeBufferPointer<UInt8>) -> Int64? {
        let prefix: StaticString = #"{"time":""#
        let prefixCount = prefix.utf8CodeUnitCount
        let timeCount = 27  // 2026-11-25T08:30:01.123456Z
        guard line.count > prefixCount + timeCount,
            memcmp(line.baseAddress!, prefix.utf8Start, prefixCount) == 0,
            line[prefixCount + timeCount] == UInt8(ascii: "\"")
        else { return nil }
        return AuditTimestamp.micros(UnsafeBufferPointer(rebasing: line[prefixCount..<prefixCount + timeCount]))
    }
}

extension JSONLineReader {
    /// A string (`.some(text)`), `null` (`.some(nil)`), or a syntax error / other type (nil).
    fileprivate mutating func stringOrNull() -> String?? {
        switch value() {
        case .value(.string(let text))?: return .some(text)
        case .null?: return .some(nil)
        default: return nil
        }
    }

    fileprivate mutating func optionalString(into field: inout String?) -> Bool {
        guard let text = stringOrNull() else { return false }
        field = text
        return true
    }

    fileprivate mutating func optionalInteger<T>(into field: inout T?, _ convert: (Int64) -> T?) -> Bool {
        switch value() {
        case .value(.int(let number))?:
            guard let converted = convert(number) else { return false }
            field = converted
            return true
        case .null?: return true
        default: return false
        }
    }
}
