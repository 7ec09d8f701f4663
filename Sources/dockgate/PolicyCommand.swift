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
        @Option(name: .long, help: "The daemon socket asked about the objects the request names (default: the configuration's upstream).")
        var daemon: String?
        @Flag(name: .long, help: "Do not ask the daemon: judge the request's own bytes only, and say which ownership checks were left out.")
        var offline = false

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
            var decision = explain(policy: policy, bodyBytes: bodyBytes)
            if decision.isAllowed, let tenancy = tenancyDecision(configuration, entry, policy, bodyBytes) { decision = tenancy }
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

        /// The tenancy step the proxy takes after the head and body rules: the same `TenancyGate`,
        /// with facts from the daemon (looked up only: nothing is created there).
        private func tenancyDecision(
            _ configuration: Configuration, _ user: Configuration.User, _ policy: Policy, _ bodyBytes: [UInt8]?
        ) -> PolicyDecision? {
            guard let request = try? RequestCanonicalizer.canonicalize(method: method, target: path) else { return nil }
            let gate = TenancyGate(policy: policy, tenant: user.tenant, resolver: SymlinkResolvingPathResolver())
            if gate.isNothingToDo(request) { return nil }
            if offline {
                print("note: \(request.route?.action ?? "this request") names objects whose owners the daemon decides; not asked (--offline)")
                return nil
            }
            let socket: String
            if let daemon {
                socket = daemon.hasPrefix("unix://") ? String(daemon.dropFirst("unix://".count)) : daemon
            } else if case .unix(let path) = configuration.upstream {
                socket = path
            } else {
                return nil
            }
            var body: JSONValue?
            if let bodyBytes, !bodyBytes.isEmpty, let kind = Self.bodyKind(request) {
                body = try? StrictJSONReader().read(bodyBytes, shape: kind.goShape)
            }
            switch gate.judge(request, body: body, facts: DaemonObjectFacts.lookingOnly(socketPath: socket)) {
            case .deny(let decision): return decision
            case .allow(let rewrite):
                if let id = rewrite.pathObjectID { print("object: \(id)") }
                for (key, value) in rewrite.auditDetails where key == "owner" { print("owner: \(value.isEmpty ? "nobody" : value)") }
                return nil
            }
        }

        private static func bodyKind(_ request: CanonicalRequest) -> BodyKind? {
            switch request.route?.action {
            case "container.create": .containerCreate
            case "container.update": .containerUpdate
            case "exec.create": .execCreate
            case "volume.create": .volumeCreate
            case "network.create": .networkCreate
            case "network.connect", "network.disconnect": .networkConnect
            default: nil
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
