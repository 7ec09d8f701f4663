import ArgumentParser
import DockgateAudit
import DockgateAuditQuery
import DockgateConfig
import Foundation

/// `dockgate audit …`: answers from the audit trail (file with its rotations, or journald)
/// without grep and jq: who did what to a container, a filtered search, denials by rule.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Answer questions from the audit trail: who ran what, searches, denials.",
        subcommands: [WhoRan.self, Search.self, Denials.self])

    /// Where to read, and the time window; shared by every subcommand.
    struct Trail: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp(
            "The audit file; its logrotate rotations beside it (FILE.1, FILE.2.gz, …) are read too.",
            valueName: "file"))
        var from: String?
        @Flag(name: .long, help: "Read journald (entries with SYSLOG_IDENTIFIER=dockgate-audit) instead of a file.")
        var journal = false
        @Option(name: .customLong("journal-file"), help: ArgumentHelp(
            "Read this journal file (as journalctl --file) instead of the local journal (repeatable).", valueName: "file"))
        var journalFiles: [String] = []
        @Option(name: .long, help: "Take the trail from this configuration's audit section.")
        var config: String?
        @Flag(name: .customLong("no-rotated"), help: "Read only the file itself, not its rotations.")
        var noRotated = false
        @Option(name: .long, help: "From this time: a duration back from now (30m, 2h, 1d, 1w) or RFC 3339.")
        var since: String?
        @Option(name: .long, help: "Up to this time: a duration back from now or RFC 3339.")
        var until: String?
        @Flag(name: .long, help: "JSON for machines instead of a table.")
        var json = false

        static let defaultFile = "/var/log/dockgate/audit.log"

        func window() throws -> TimeWindow {
            let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
            do {
                return try TimeWindow(since: since, until: until, now: now)
            } catch {
                throw ValidationError(error.description)
            }
        }

        func source() throws -> AuditTrailSource {
            if !journalFiles.isEmpty { return .journal(files: journalFiles) }
            if journal { return .journal(files: nil) }
            var file = from
            if file == nil, let config {
                let settings = try ConfigurationLoader.load(path: config).audit
                if settings.file == nil && settings.journald { return .journal(files: nil) }
                guard let configured = settings.file else {
                    throw ValidationError("\(config) configures no audit file and no journald sink")
                }
                file = configured
            }
            let path = file ?? Self.defaultFile
            return .files(noRotated ? [path] : RotatedAuditFiles.paths(for: path))
        }

        /// Scans the trail, then reports on stderr what could not be read; exit status 1 if any.
        func scan(prefilter: LinePrefilter, _ consume: (AuditRecord, UnsafeBufferPointer<UInt8>) -> Void) throws {
            var scanner = AuditScanner(window: try window(), prefilter: prefilter)
            scanner.scan(try source(), consume)
            let statistics = scanner.statistics
            if statistics.malformed > 0 {
                printError("dockgate audit: skipped \(statistics.malformed) malformed line\(statistics.malformed == 1 ? "" : "s") (first at \(statistics.firstMalformed ?? "?"))")
            }
            for error in statistics.errors { printError("dockgate audit: \(error)") }
            if !statistics.errors.isEmpty { throw ExitCode(1) }
        }
    }

    struct WhoRan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "who-ran",
            abstract: "Everything done to one container: who created it (image, command), each exec, attach and logs sessions, start, stop, kill, remove.",
            discussion: """
                The container may be given by name, full id or id prefix. Examples:
                  dockgate audit who-ran --container web
                  dockgate audit who-ran --container 3f2a1b9c --from /var/log/dockgate/audit.log --json
                """)
        @OptionGroup var trail: Trail
        @Option(name: .long, help: ArgumentHelp("The container's name, id or id prefix.", valueName: "name|id"))
        var container: String
        @Flag(name: .long, help: "Include routine reads (inspect, wait, resize, top, stats).")
        var all = false

        func run() throws {
            var history = ContainerHistory(query: container, includeRoutine: all)
            var failure: Error?
            do {
                try trail.scan(prefilter: ContainerHistory.prefilter(includeRoutine: all)) { record, _ in history.consume(record) }
            } catch {
                failure = error
            }
            print(trail.json ? try AuditReport.json(history) : AuditReport.text(history), terminator: "")
            if let failure { throw failure }
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requests matching every given criterion, oldest first (--json: the trail's own JSON lines).",
            discussion: """
                Example: dockgate audit search --user alice --since 2h --action exec.create --decision deny
                """)
        @OptionGroup var trail: Trail
        @Option(name: .long, help: "The certificate CN.")
        var user: String?
        @Option(name: .long, help: "An action (exec.create) or a prefix with * (container.*).")
        var action: String?
        @Option(name: .long, help: "allow or deny.")
        var decision: String?
        @Option(name: .long, help: ArgumentHelp("A container name, id or id prefix.", valueName: "name|id"))
        var container: String?
        @Option(name: .long, help: "A rule, or a prefix with * (host-escape/*).")
        var rule: String?
        @Option(name: .long, help: "Record kinds: request (default), response, session_open, session_close, handshake_failure, connection_close, or any (repeatable).")
        var kind: [String] = []

        func validate() throws {
            if let decision, decision != "allow" && decision != "deny" { throw ValidationError("--decision must be allow or deny") }
            for name in kind where name != "any" && AuditRecord.Kind(rawValue: name) == nil {
                throw ValidationError("unknown --kind \(name)")
            }
        }

        func run() throws {
            let kinds: Set<AuditRecord.Kind> =
                kind.isEmpty ? [.request]
                : kind.contains("any") ? [.request, .response, .sessionOpen, .sessionClose, .handshakeFailure, .connectionClose]
                : Set(kind.compactMap(AuditRecord.Kind.init(rawValue:)))
            let filter = RecordFilter(
                user: user, action: action, decision: decision.flatMap { AuditRecord.Decision(name: $0) }, container: container,
                rule: rule, kinds: kinds)
            let output = BufferedOutput()
            if !trail.json { output.write(AuditReport.searchHeader) }
            defer { output.flush() }
            try trail.scan(prefilter: filter.prefilter) { record, line in
                guard filter.admits(record) else { return }
                if trail.json {
                    output.write(line)
                } else {
                    output.write(AuditReport.searchRow(record))
                }
            }
        }
    }

    struct Denials: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Denied requests grouped by user and rule, with counts and an example, most frequent first.",
            discussion: "Example: dockgate audit denials --since 1d")
        @OptionGroup var trail: Trail

        func run() throws {
            var summary = DenialSummary()
            var failure: Error?
            do {
                try trail.scan(prefilter: DenialSummary.prefilter) { record, _ in summary.consume(record) }
            } catch {
                failure = error
            }
            print(trail.json ? try AuditReport.json(summary) : AuditReport.text(summary), terminator: "")
            if let failure { throw failure }
        }
    }
}

/// Standard output through a 64 KiB buffer: a search may print millions of lines.
final class BufferedOutput {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// A JSON line as read, with its newline.
    func write(_ line: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
