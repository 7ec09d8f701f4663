#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DockgateAudit

/// The answers, for people (aligned text) and for machines (JSON).
///
/// Text never prints client-controlled strings raw: a CN, a name or a command could carry
/// terminal escapes, so every such value goes through `printable` (control characters, bidi
/// controls and the like become `\u{…}`, as in the trail itself).
public enum AuditReport {
    // MARK: who-ran

    public static func text(_ history: ContainerHistory) -> String {
        var out = ""
        if history.containers.isEmpty {
            out += "container \(printable(history.query)): no create in the trail read; requests naming it:\n"
        } else {
            for container in history.containers {
                out += "container \(printable(container.name ?? history.query)): id \(container.id)\n"
            }
        }
        guard !history.events.isEmpty else { return out + "no requests found\n" }
        var table = TextTable(["TIME", "USER", "ACTION", "RESULT", "DETAILS"])
        for event in history.events {
            table.add([
                shortTime(event.time), printable(event.user ?? "-"), event.action,
                [event.decision ?? "-", event.status.map(String.init) ?? ""].filter { !$0.isEmpty }.joined(separator: " "),
                eventDetails(event, showID: history.containers.count > 1),
            ])
        }
        return out + table.render()
    }

    static func eventDetails(_ event: ContainerEvent, showID: Bool) -> String {
        var parts: [String] = []
        if event.action == "container.create" {
            if let name = event.name { parts.append("name=\(printable(name))") }
            if let image = event.image { parts.append("image=\(printable(image))") }
        }
        if let command = event.command { parts.append("cmd=" + quoted(shellWords(command))) }
        if let user = event.execUser, !user.isEmpty { parts.append("user=\(printable(user))") }
        if let execID = event.execID { parts.append("exec=\(execID.prefix(12))") }
        if let id = event.containerID, event.action == "container.create" || showID { parts.append("id=\(id.prefix(12))") }
        if event.decision == "deny" {
            if let rule = event.rule { parts.append("rule=\(printable(rule))") }
            if let reason = event.reason { parts.append("reason: \(printable(reason))") }
        } else if event.bytesIn != nil || event.bytesOut != nil, isStream(event.action) {
            parts.append("in=\(bytes(event.bytesIn ?? 0)) out=\(bytes(event.bytesOut ?? 0))")
            if let micros = event.durationMicros { parts.append(duration(micros)) }
        }
        return parts.joined(separator: " ")
    }

    private static func isStream(_ action: String) -> Bool {
        ["container.attach", "container.logs", "exec.start", "container.export", "container.archive"].contains(action)
    }

    // MARK: search

    /// Search results stream (a month of matches is not held in memory), so the columns have
    /// fixed widths; a longer value pushes its row's later columns right.
    static let searchColumns = [20, 17, 12, 18, 9, 40]

    public static var searchHeader: String {
        fixedRow(["TIME", "KIND", "USER", "ACTION", "RESULT", "REQUEST", "DETAILS"])
    }

    public static func searchRow(_ record: AuditRecord) -> String {
        var details: [String] = []
        if let rule = record.rule, record.decision == .deny { details.append("rule=\(printable(rule))") }
        if let reason = record.reason { details.append("reason: \(printable(reason))") }
        if record.kind != .request, let micros = record.durationMicros {
            details.append("in=\(bytes(record.bytesIn ?? 0)) out=\(bytes(record.bytesOut ?? 0)) \(duration(micros))")
        }
        return fixedRow([
            shortTime(AuditTimestamp.text(AuditTimestamp.micros(of: record))), record.kind.rawValue,
            printable(record.commonName ?? "-"), record.action ?? "-",
            [record.decision?.rawValue ?? "", record.status.map(String.init) ?? ""].filter { !$0.isEmpty }.joined(separator: " "),
            printable([record.method, record.path].compactMap { $0 }.joined(separator: " ")),
            details.joined(separator: " "),
        ])
    }

    private static func fixedRow(_ cells: [String]) -> String {
        var line = ""
        for (column, cell) in cells.enumerated() {
            line += cell
            if column < searchColumns.count { line += String(repeating: " ", count: max(0, searchColumns[column] - cell.count) + 2) }
        }
        while line.last == " " { line.removeLast() }
        return line + "\n"
    }

    // MARK: denials

    public static func text(_ summary: DenialSummary) -> String {
        let groups = summary.sortedGroups
        guard !groups.isEmpty else { return "no denials\n" }
        var table = TextTable(["COUNT", "USER", "POLICY", "RULE", "LAST", "EXAMPLE"])
        for group in groups {
            var example = [group.action, group.path].compactMap { $0 }.map(printable).joined(separator: " ")
            if let reason = group.reason { example += (example.isEmpty ? "" : ": ") + printable(reason) }
            table.add([
                String(group.count), printable(group.user), printable(group.policy ?? "-"), printable(group.rule),
                shortTime(group.last), example,
            ])
        }
        return table.render() + "\(summary.total) denied request\(summary.total == 1 ? "" : "s") in \(groups.count) group\(groups.count == 1 ? "" : "s")\n"
    }

    // MARK: JSON

    public static func json(_ history: ContainerHistory) throws -> String {
        struct Container: Codable { var id: String; var name: String? }
        struct Document: Codable { var query: String; var containers: [Container]; var events: [ContainerEvent] }
        return try encode(Document(
            query: history.query, containers: history.containers.map { Container(id: $0.id, name: $0.name) },
            events: history.events))
    }

    public static func json(_ summary: DenialSummary) throws -> String {
        struct Document: Codable { var total: Int; var groups: [DenialSummary.Group] }
        return try encode(Document(total: summary.total, groups: summary.sortedGroups))
    }

    private static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    // MARK: formatting

    /// `2026-12-07T06:50:01.123456Z` → `2026-12-07T06:50:01Z`.
    static func shortTime(_ time: String) -> String {
        guard time.count == 27, time.hasSuffix("Z") else { return time }
        return String(time.prefix(19)) + "Z"
    }

    static func bytes(_ count: UInt64) -> String {
        switch count {
        case ..<10_000: "\(count) B"
        case ..<10_000_000: "\(count / 1_000) kB"
        default: "\(count / 1_000_000) MB"
        }
    }

    static func duration(_ micros: UInt64) -> String {
        switch micros {
        case ..<10_000: "\(micros / 1_000).\(micros / 100 % 10) ms"
        case ..<10_000_000: "\(micros / 1_000) ms"
        case ..<600_000_000: "\(micros / 1_000_000) s"
        default: "\(micros / 60_000_000) min \(micros / 1_000_000 % 60) s"
        }
    }

    /// Words joined as a shell would need them: `sh -c 'echo hi'`.
    static func shellWords(_ words: [String]) -> String {
        words.map { word in
            let plain = !word.isEmpty && word.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                    || "-_./=:,+@%".utf8.contains(byte)
            }
            return plain ? word : "'" + word.replacing("'", with: #"'\''"#) + "'"
        }.joined(separator: " ")
    }

    private static func quoted(_ text: String) -> String {
        "\"" + printable(text).replacing("\"", with: "\\\"") + "\""
    }

    /// Text safe for a terminal: what the trail escapes (AuditJSON.mustEscape) is shown as `\u{…}`.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: AuditJSON.isUnsafeForDisplay) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if AuditJSON.isUnsafeForDisplay(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
