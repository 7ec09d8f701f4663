import DockgateAudit
import DockgateSystemd

/// Where the trail is read from.
public enum AuditTrailSource: Sendable, Equatable {
    /// Files read in this order (see `RotatedAuditFiles`); plain or gzip'd.
    case files([String])
    /// journald: the local journal, or the given journal files (`journalctl --file`). Entries
    /// with `SYSLOG_IDENTIFIER=dockgate-audit`; the record is their `DOCKGATE_RECORD` field.
    case journal(files: [String]?)
}

/// Streams the trail: line by line through one bounded buffer, the time window checked on the
/// leading `"time"` before anything is parsed, then the prefilter, then the full parse. Records
/// reach `consume` in the order of the trail; nothing is kept here.
public struct AuditScanner {
    public var window: TimeWindow
    public var prefilter: LinePrefilter
    public private(set) var statistics = ScanStatistics()
    let splitter: LineSplitter

    public init(window: TimeWindow = .always, prefilter: LinePrefilter = .none, maxLineBytes: Int = 4 * 1024 * 1024) {
        self.window = window
        self.prefilter = prefilter
        self.splitter = LineSplitter(maxLineBytes: maxLineBytes)
    }

    /// Reads the whole source. A file or journal that cannot be read is noted in
    /// `statistics.errors` and the scan goes on with the next one.
    public mutating func scan(_ source: AuditTrailSource, _ consume: (AuditRecord, UnsafeBufferPointer<UInt8>) -> Void) {
        switch source {
        case .files(let paths):
            for path in paths { scanFile(path, consume) }
        case .journal(let files):
            do {
                try scanJournal(files, consume)
            } catch {
                statistics.errors.append("\(error)")
            }
        }
    }

    mutating func scanFile(_ path: String, _ consume: (AuditRecord, UnsafeBufferPointer<UInt8>) -> Void) {
        // A file last written before --since holds nothing newer (a rotated file is never written again).
        if let since = window.since, let modified = RotatedAuditFiles.modifiedMicros(path), modified < since {
            statistics.skippedFiles.append(path)
            return
        }
        do {
            let file = try AuditFileReader(path: path)
            var lineNumber = 0
            try splitter.forEachLine(read: { (buffer) throws(AuditReadError) in try file.read(into: buffer) }) { line in
                lineNumber += 1
                scan(line: line, location: "\(path):\(lineNumber)", consume)
            }
        } catch {
            statistics.errors.append("\(error)")
        }
    }

    mutating func scanJournal(_ files: [String]?, _ consume: (AuditRecord, UnsafeBufferPointer<UInt8>) -> Void) throws(AuditReadError) {
        do {
            let journal = try files.map { files throws(JournalReadError) in try JournalReader(files: files) } ?? JournalReader()
            try journal.addMatch("SYSLOG_IDENTIFIER=dockgate-audit")
            // The journal's own time is when journald received the entry, just after the record's.
            if let since = window.since { try journal.seek(realtimeMicros: UInt64(max(0, since - 60_000_000))) }
            var entry = 0
            while try journal.next() {
                entry += 1
                let found: Void? = try journal.withValue(of: "DOCKGATE_RECORD") { raw in
                    scan(line: raw.bindMemory(to: UInt8.self), location: "journal entry \(entry)", consume)
                }
                if found == nil { statistics.noteMalformed(at: "journal entry \(entry) (no DOCKGATE_RECORD)") }
            }
        } catch let error as JournalReadError {
            throw .journal(error)
        } catch {
            throw .read(path: "journal", message: "\(error)")
        }
    }

    /// One line (nil: longer than the line limit).
    public mutating func scan(line: UnsafeBufferPointer<UInt8>?, location: @autoclosure () -> String, _ consume: (AuditRecord, UnsafeBufferPointer<UInt8>) -> Void) {
        statistics.lines += 1
        guard let line else {
            statistics.noteMalformed(at: location() + " (line too long)")
            return
        }
        if line.isEmpty || line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { return }
        // Only a line in dockgate's own shape (leading time, closing brace) is judged on its bytes;
        // anything else is parsed, so that a cut-short or foreign line is counted as malformed
        // rather than passed over silently.
        if let micros = AuditLineParser.leadingTime(line), line[line.count - 1] == UInt8(ascii: "}") {
            if !window.contains(micros) {
                statistics.outsideWindow += 1
                return
            }
            guard prefilter.admits(line) else { return }
        }
        guard let record = AuditLineParser.record(line) else {
            statistics.noteMalformed(at: location())
            return
        }
        guard window.contains(AuditTimestamp.micros(of: record)) else {
            statistics.outsideWindow += 1
            return
        }
        statistics.records += 1
        consume(record, line)
    }
}
