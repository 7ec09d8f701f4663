import ArgumentParser
import DockgateAudit
import DockgateAuthorization
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
            print("user \(user), policy \(policy.name)\(entry.isObserved(under: policy) ? " (observe mode)" : "")")
            let head: RequestHead
            do {
                head = try RequestHead.described(
                    method: method, target: path, contentType: contentType, bodyLength: bodyBytes?.count)
            } catch {
                // The proxy refuses such a head before any policy sees it.
                print("deny  status=400  rule=request/malformed  reason: malformed request: \(error.message)")
                throw ExitCode(1)
            }
            // The proxy's own decision code, with facts from the daemon (looked up only: nothing is created there).
            let authorizer = Authorizer(configuration: configuration, resolver: SymlinkResolvingPathResolver())
            let authorization = authorizer.authorize(
                user: entry, policy: policy, head: head, body: bodyBytes, facts: offline ? nil : daemonFacts(configuration))
            try report(authorization)
        }

        /// Facts from the daemon the proxy would ask, or nil when there is none to ask.
        private func daemonFacts(_ configuration: Configuration) -> DaemonObjectFacts? {
            if let daemon {
                return .lookingOnly(socketPath: daemon.hasPrefix("unix://") ? String(daemon.dropFirst("unix://".count)) : daemon)
            }
            if case .unix(let path) = configuration.upstream { return .lookingOnly(socketPath: path) }
            return nil
        }

        private func report(_ authorization: Authorization) throws {
            let context = authorization.verdict.context
            if authorization.tenancyNotAsked, offline {
                let what = context.request?.route.map { $0.action.rawValue } ?? "this request"
                print("note: \(what) names objects whose owners the daemon decides; not asked (--offline)")
            }
            if let rewrite = authorization.rewrite {
                if let id = rewrite.pathObjectID { print("object: \(id)") }
                for (key, value) in rewrite.auditDetails where key == "owner" { print("owner: \(value.isEmpty ? "nobody" : value)") }
            }
            switch authorization.verdict {
            case .allow(let context):
                if let denial = context.wouldDeny {
                    // Observe mode forwards it; the audit record says what enforcement would have done.
                    print(
                        "would-deny  status=\(denial.status)  rule=\(denial.rule)  reason: \(denial.reason)  (observe mode: forwarded)")
                    if case .strings(let also)? = context.details.first(where: { $0.0 == "also_would_deny" })?.1 {
                        print("also would deny: \(also.joined(separator: ", "))")
                    }
                } else {
                    print("allow  rule=\(context.rule)")
                }
            case .deny(let status, _, let context):
                print("deny  status=\(status)  rule=\(context.rule)  reason: \(context.reason ?? "")")
                throw ExitCode(1)
            case .inspectBody:
                preconditionFailure("a whole request is decided, never left waiting for its body")
            }
        }
    }
}
