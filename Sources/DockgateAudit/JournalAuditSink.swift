import DockgateSystemd

/// Sends each record to journald as a structured entry, so `journalctl DOCKGATE_USER=alice
/// DOCKGATE_DECISION=deny` answers questions without parsing JSON.
///
/// Fields: a human `MESSAGE=`, `DOCKGATE_KIND`, `DOCKGATE_USER` (the certificate CN),
/// `DOCKGATE_ACTION`, `DOCKGATE_DECISION`, `DOCKGATE_METHOD`, `DOCKGATE_PATH`, `DOCKGATE_STATUS`,
/// `DOCKGATE_CONNECTION`, `DOCKGATE_CLIENT` (`address:port`), `DOCKGATE_RECORD` (the JSON line, so
/// the journal holds everything the file would), `PRIORITY` (5 "notice" for denials and handshake
/// failures, else 6 "info") and `SYSLOG_IDENTIFIER=dockgate-audit`. Absent values are left out.
/// Client-controlled text may contain newlines: `JournalWriter` sends such values length-prefixed.
public final class JournalAuditSink: AuditSink {
    public let name = "journald"

    public init() {}

    /// One journal entry per record, each carrying its already encoded line.
    public func write(_ encoded: EncodedAuditRecords) throws {
        do {
            for (index, record) in encoded.records.enumerated() {
                try JournalWriter.send(Self.fields(for: record, line: encoded.line(at: index)))
            }
        } catch {
            throw AuditSinkError.journal(error)
        }
    }

    public func reopen() throws {}

    /// `line` is the record's JSON line without its newline.
    static func fields(for record: AuditRecord, line: ArraySlice<UInt8>) throws(JournalError) -> [JournalField] {
        var fields: [JournalField] = []
        func add(_ name: String, _ value: String?) throws(JournalError) {
            guard let value else { return }
            fields.append(try JournalField(name: name, value: value))
        }
        try add("MESSAGE", message(for: record))
        try add("PRIORITY", isNotice(record) ? "5" : "6")
        try add("SYSLOG_IDENTIFIER", "dockgate-audit")
        try add("DOCKGATE_KIND", record.kind.rawValue)
        try add("DOCKGATE_USER", record.commonName)
        try add("DOCKGATE_ACTION", record.action)
        try add("DOCKGATE_DECISION", record.decision?.rawValue)
        try add("DOCKGATE_METHOD", record.method)
        try add("DOCKGATE_PATH", record.path)
        try add("DOCKGATE_STATUS", record.status.map { String($0) })
        try add("DOCKGATE_CONNECTION", String(record.connectionID))
        try add("DOCKGATE_CLIENT", client(record))
        try add("DOCKGATE_RECORD", String(decoding: line, as: UTF8.self))
        return fields
    }

    private static func isNotice(_ record: AuditRecord) -> Bool {
        record.decision == .deny || record.kind == .handshakeFailure
    }

    private static func client(_ record: AuditRecord) -> String {
        record.clientAddress.contains(":")
            ? "[\(record.clientAddress)]:\(record.clientPort)" : "\(record.clientAddress):\(record.clientPort)"
    }

    /// One sentence for `journalctl`'s default view, e.g. `alice POST /containers/create → deny: …`.
    static func message(for record: AuditRecord) -> String {
        let who = record.commonName ?? "unauthenticated client \(client(record))"
        let target = [record.method, record.path].compactMap { $0 }.joined(separator: " ")
        switch record.kind {
        case .request:
            var text = "\(who) \(target.isEmpty ? "request" : target) → \(record.decision?.rawValue ?? "undecided")"
            if let reason = record.reason { text += ": \(reason)" }
            if let status = record.status { text += " (\(status))" }
            return text
        case .response:
            var text = "\(who) \(target.isEmpty ? "request" : target) answered \(record.status.map(String.init) ?? "without a status")"
            if let micros = record.durationMicros { text += " in \(micros / 1_000) ms" }
            return text
        case .sessionOpen:
            return "\(who) opened a \(record.action ?? "hijacked") session: \(target)"
        case .sessionClose:
            var text = "\(who) closed a \(record.action ?? "hijacked") session: \(target)"
            if let bytesIn = record.bytesIn, let bytesOut = record.bytesOut {
                text += ", \(bytesIn) bytes in, \(bytesOut) bytes out"
            }
            if let micros = record.durationMicros { text += ", \(micros / 1_000) ms" }
            return text
        case .handshakeFailure:
            var text = "TLS handshake from \(client(record)) failed"
            if let reason = record.reason { text += ": \(reason)" }
            if let name = record.commonName { text += " (certificate CN=\(name))" }
            return text
        case .connectionClose:
            return "\(who) connection \(record.connectionID) from \(client(record)) closed"
        }
    }
}
