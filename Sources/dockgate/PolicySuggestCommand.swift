import ArgumentParser
import DockgateSuggest
import Foundation

/// `dockgate policy suggest`: the narrowest policy that would have allowed what one user did,
/// read from the audit file line by line (typically after a period in observe mode).
struct PolicySuggestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Propose the narrowest policy that allows what a user did, from the audit file.",
        discussion: """
            Reads `request` records of the user (allowed and, in observe mode, would-deny; denied ones \
            did not happen and are left out) and prints YAML: a policy and the user's entry, each grant \
            commented with the requests that needed it. Host-escape grants (privileged, host namespaces, \
            devices, …) are never suggested: they are listed in a "needs a human decision" block.

            Example: dockgate policy suggest --user alice --from /var/log/dockgate/audit.log --since 7d
            """)

    @Option(name: .long, help: "The certificate CN of the user.")
    var user: String
    @Option(name: .long, help: "The audit file (JSON lines).")
    var from: String
    @Option(name: .long, help: "Only requests in this past period: 30m, 12h, 7d, 2w (default: the whole file).")
    var since: String?
    @Option(name: .customLong("policy-name"), help: "Name of the suggested policy (default: USER-suggested).")
    var policyName: String?

    func run() throws {
        var cutoff: String?
        if let since {
            guard let seconds = Self.seconds(since) else {
                printError("dockgate: --since \(since): expected a number with s, m, h, d or w (e.g. 7d)")
                throw ExitCode(2)
            }
            cutoff = Self.timestamp(Date(timeIntervalSinceNow: -seconds))
        }
        var suggestion = PolicySuggestion(user: user, policyName: policyName)
        let lines: AuditLines
        do {
            lines = try AuditLines(path: from)
        } catch {
            printError("dockgate: cannot read \(from): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        for line in lines {
            guard let request = ObservedRequest.parse(line: line) else { continue }
            // Fixed-width RFC 3339 UTC: text order is time order.
            if let cutoff, request.time < cutoff { continue }
            suggestion.add(request)
        }
        let period = since.map { "since \(cutoff ?? $0) (\($0))" } ?? "whole file"
        print(suggestion.yaml(source: "audit \(from), \(period)"), terminator: "")
        if suggestion.considered == 0 { printError("dockgate: no allowed or would-deny request of \(user) in \(from)") }
    }

    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        guard let unit = text.last, let factor = units[unit], let number = Double(text.dropLast()), number >= 0 else { return nil }
        return number * factor
    }

    /// "2026-11-25T08:30:01Z"-style prefix comparable with the trail's timestamps.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}
