import ArgumentParser
import DockgateConfig
import DockgateDocker
import DockgateHTTP
import DockgatePolicy
import DockgateProxy
import Foundation

/// `dockgate policy explain`: what the proxy would decide for one request, and the rule behind
/// it, so a policy can be tested before it ships.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Inspect policies.", subcommands: [Explain.self, PolicySuggestCommand.self])

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the decision for one request and the rule behind it.",
            discussion: """
                Example: dockgate policy explain --config /etc/dockgate/dockgate.yaml --user alice \\
                  --method POST --path /v1.41/containers/create --body create.json
                """)

        @Option(name: .long, help: "The YAML configuration file.")
        var config: String
        @Option(name: .long, help: "The certificate CN of the user.")
        var user: String
        @Option(name: .long, help: "HTTP method.")
        var method: String = "GET"
        @Option(name: .long, help: "Request target as the client sends it, with query (e.g. /v1.41/containers/json?all=1).")
        var path: String
        @Option(name: .long, help: "A file holding the JSON body.")
        var body: String?
        @Option(name: .customLong("content-type"), help: "Content-Type of the body.")
        var contentType: String = "application/json"

        func run() throws {
            let configuration: Configuration
            do {
                configuration = try ConfigurationLoader.load(path: config)
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
            guard let entry = configuration.user(commonName: user), let policy = configuration.policies[entry.policyName] else {
                print("deny  rule=identity/unknown  reason: certificate CN \"\(user)\" is not a configured user")
                throw ExitCode(1)
            }
            let bodyBytes = try body.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
            let decision = explain(policy: policy, bodyBytes: bodyBytes)
            let observed = entry.isObserved(under: policy)
            print("user \(user), policy \(policy.name)\(observed ? " (observe mode)" : "")")
            switch decision {
            case .allow(let rule):
                print("allow  rule=\(rule)")
            case .deny(let rule, let reason, let status) where observed && (status == 403 || status == 404):
                // Observe mode forwards it; the audit record says what enforcement would have done.
                print("would-deny  status=\(status)  rule=\(rule)  reason: \(reason)  (observe mode: forwarded)")
            case .deny(let rule, let reason, let status):
                print("deny  status=\(status)  rule=\(rule)  reason: \(reason)")
                throw ExitCode(1)
            }
        }

        private func explain(policy: Policy, bodyBytes: [UInt8]?) -> PolicyDecision {
            let request: CanonicalRequest
            do {
                request = try RequestCanonicalizer.canonicalize(method: method, target: path)
            } catch {
                return .malformed(error.message)
            }
            let facts = RequestFacts(
                request: request, contentLength: bodyBytes.map { UInt64($0.count) }, isChunked: false,
                contentType: bodyBytes == nil ? nil : contentType)
            return PolicyEngine(policy: policy, resolver: SymlinkResolvingPathResolver()).decide(facts, wholeBody: bodyBytes)
        }
    }
}
