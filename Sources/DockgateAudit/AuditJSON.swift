/// Renders an `AuditRecord` as one JSON object on one line (JSON Lines).
///
/// Keys come in a fixed order so lines diff and grep well; absent values are omitted rather than
/// written as `null`. Every string is escaped so that nothing a client controls (CN, path, image,
/// command) can end the line or the string early (THREATS T-06): besides `"` and `\`, all C0 and
/// C1 control characters (including NEL, U+0085), DEL, the Unicode line and paragraph separators
/// (U+2028/U+2029, line breaks to JavaScript and some log shippers), the bidirectional formatting
/// characters (which can make a line *display* as something else in a terminal) and the BOM are
/// written as `\uXXXX`. Everything else is literal UTF-8.
///
/// Lines are written as bytes into a buffer the caller may reuse (the audit writer keeps one):
/// keys are copied literals, numbers are formatted in place, strings are copied in runs between
/// the bytes that need escaping, and a connection's identity fields come pre-encoded
/// (`AuditIdentityFragment`).
public enum AuditJSON {
    /// The record as a JSON object followed by `"\n"`.
    public static func line(_ record: AuditRecord) -> String {
        var bytes: [UInt8] = []
        appendLine(record, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the record's line, `"\n"` included, to `out`.
    public static func appendLine(_ record: AuditRecord, to out: inout [UInt8]) {
        out.appendLiteral(#"{"time":""#)
        AuditTime.appendRFC3339(record.time, to: &out)
        out.appendLiteral(#"","kind":"#)
        appendString(record.kind.rawValue, to: &out)
        out.appendLiteral(#","conn":"#)
        out.appendDecimal(record.connectionID)
        if let sequence = record.sequence {
            out.appendLiteral(#","seq":"#)
            out.appendDecimal(Int64(sequence))
        }
        appendIdentity(of: record, to: &out)
        appendField(#","method":"#, record.method, to: &out)
        appendField(#","path":"#, record.path, to: &out)
        appendField(#","api_version":"#, record.apiVersion, to: &out)
        appendField(#","group":"#, record.group, to: &out)
        appendField(#","action":"#, record.action, to: &out)
        appendField(#","decision":"#, record.decision?.rawValue, to: &out)
        appendField(#","rule":"#, record.rule, to: &out)
        appendField(#","reason":"#, record.reason, to: &out)
        if let status = record.status {
            out.appendLiteral(#","status":"#)
            out.appendDecimal(Int64(status))
        }
        appendNumber(#","bytes_in":"#, record.bytesIn, to: &out)
        appendNumber(#","bytes_out":"#, record.bytesOut, to: &out)
        appendNumber(#","duration_us":"#, record.durationMicros, to: &out)
        if !record.details.isEmpty {
            out.appendLiteral(#","details":"#)
            appendObject(record.details, to: &out)
        }
        out.appendLiteral("}\n")
    }

    /// client, port, cn, serial, fingerprint and policy: copied from the record's fragment while
    /// it matches the record, encoded field by field otherwise.
    private static func appendIdentity(of record: AuditRecord, to out: inout [UInt8]) {
        guard let fragment = record.identityFragment else {
            appendPeerAndCertificate(
                clientAddress: record.clientAddress, clientPort: record.clientPort,
                commonName: record.commonName, serial: record.serial, fingerprint: record.fingerprint, to: &out)
            appendPolicy(record.policy, to: &out)
            return
        }
        if fragment.matchesPeerAndCertificate(of: record) {
            out.append(contentsOf: fragment.peerAndCertificateJSON)
        } else {
            appendPeerAndCertificate(
                clientAddress: record.clientAddress, clientPort: record.clientPort,
                commonName: record.commonName, serial: record.serial, fingerprint: record.fingerprint, to: &out)
        }
        if fragment.matchesPolicy(of: record) {
            out.append(contentsOf: fragment.policyJSON)
        } else {
            appendPolicy(record.policy, to: &out)
        }
    }

    static func appendPeerAndCertificate(
        clientAddress: String, clientPort: UInt16, commonName: String?, serial: String?, fingerprint: String?,
        to out: inout [UInt8]
    ) {
        out.appendLiteral(#","client":"#)
        appendString(clientAddress, to: &out)
        out.appendLiteral(#","port":"#)
        out.appendDecimal(UInt64(clientPort))
        appendField(#","cn":"#, commonName, to: &out)
        appendField(#","serial":"#, serial, to: &out)
        appendField(#","fingerprint":"#, fingerprint, to: &out)
    }

    static func appendPolicy(_ policy: String?, to out: inout [UInt8]) {
        appendField(#","policy":"#, policy, to: &out)
    }

    /// `key` is the literal `,"name":` that precedes the value.
    private static func appendField(_ key: StaticString, _ value: String?, to out: inout [UInt8]) {
        guard let value else { return }
        out.appendLiteral(key)
        appendString(value, to: &out)
    }

    private static func appendNumber(_ key: StaticString, _ value: UInt64?, to out: inout [UInt8]) {
        guard let value else { return }
        out.appendLiteral(key)
        out.appendDecimal(value)
    }

    private static func appendValue(_ value: AuditValue, to out: inout [UInt8]) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .int(let number): out.appendDecimal(number)
        case .bool(let flag): flag ? out.appendLiteral("true") : out.appendLiteral("false")
        case .strings(let list):
            out.append(UInt8(ascii: "["))
            for (index, item) in list.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields): appendObject(fields, to: &out)
        }
    }

    private static func appendObject(_ fields: [(String, AuditValue)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendValue(value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
