import DockgateDocker
import DockgatePolicy

/// The narrowest policy that would have allowed what one user did, built request by request from
/// the audit trail (`dockgate policy suggest`): endpoint groups at the level used, the images
/// run and pulled, bind folders, added capabilities.
///
/// Host escape is never granted here. A request that broke a `host-escape/` rule (privileged,
/// host namespaces, devices, …) — or any rule a policy cannot grant by listing things — is named
/// in a "needs a human decision" block of comments and left out of the policy. Only two
/// `host-escape/` rules are answered by listing: binds (`bind_mounts`, never a folder dockgate
/// forbids) and added capabilities (`capabilities`, never ALL nor one that is host root by itself).
public struct PolicySuggestion: Sendable {
    public let user: String
    public let policyName: String

    public private(set) var allowed = 0
    public private(set) var wouldDeny = 0
    /// Refused requests did not happen; they are counted, not suggested.
    public private(set) var denied = 0
    /// Plugin inspects answered by dockgate in dockerd's words (`docker inspect` probes).
    public private(set) var pluginProbes = 0

    var endpoints: [EndpointGroup: (level: AccessLevel, evidence: Evidence)] = [:]
    var images: [String: ImageUse] = [:]
    var imageWrites: Evidence?
    var bindSources: [String: Evidence] = [:]
    var capabilities: [String: Evidence] = [:]
    /// Rule → the requests that broke it and a reason, for the human-decision block.
    var undecided: [String: (evidence: Evidence, reason: String)] = [:]

    /// Capabilities that are host root on their own (module loading, raw I/O, mount, ptrace of
    /// host-pid processes, reading any file, BPF): never suggested, only listed.
    static let hostRootCapabilities: Set<String> = [
        "CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH", "CAP_SYS_BOOT",
        "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_BPF", "CAP_PERFMON", "CAP_SYSLOG", "CAP_ALL",
    ]
    /// Denial rules that the suggested lists and levels answer; any other rule needs a human.
    static let rulesAnsweredByGrants: [String] = ["endpoints/", "read-only", "images/", "host-escape/bind-mount", "host-escape/capabilities"]

    public init(user: String, policyName: String? = nil) {
        self.user = user
        self.policyName = policyName ?? "\(user)-suggested"
    }

    public var considered: Int { allowed + wouldDeny }

    public mutating func add(_ request: ObservedRequest) {
        guard request.commonName.utf8.elementsEqual(user.utf8) else { return }
        switch request.decision {
        case .allow: allowed += 1
        case .wouldDeny: wouldDeny += 1
        case .deny:
            denied += 1
            return
        }
        if request.action == .ping || request.action == .version { return }
        if request.rule == "plugins/not-visible" {
            pluginProbes += 1
            return
        }
        let canonical = try? RequestCanonicalizer.canonicalize(method: request.method, target: request.path)
        guard let route = canonical?.route else {
            undecide("endpoints/unknown", request, "not a Docker endpoint dockgate classifies; only `endpoints: all` allows it")
            return
        }
        // A request that no listed grant can allow (privileged, host namespaces, …) is for a
        // human to decide; it widens nothing here, not even by its image or its binds.
        let broken = request.decision == .wouldDeny ? [request.rule] + request.alsoBroken : []
        let unanswered = broken.filter { rule in !Self.rulesAnsweredByGrants.contains { rule.hasPrefix($0) } }
        for rule in unanswered { undecide(rule, request, rule == request.rule ? request.reason : "") }
        guard unanswered.isEmpty else { return }

        let level: AccessLevel = route.isWrite ? .write : .read
        var entry = endpoints[route.group] ?? (level, Evidence())
        entry.level = max(entry.level, level)
        entry.evidence.note(request)
        endpoints[route.group] = entry
        noteImages(request)
        noteBinds(request)
        noteCapabilities(request)
    }

    private mutating func undecide(_ rule: String, _ request: ObservedRequest, _ reason: String) {
        var entry = undecided[rule] ?? (Evidence(), reason)
        entry.evidence.note(request)
        if entry.reason.isEmpty { entry.reason = reason }
        undecided[rule] = entry
    }

    private mutating func noteImages(_ request: ObservedRequest) {
        switch request.action {
        case .containerCreate:
            guard let image = request.text["image"] else { return }
            do throws(ImageReferenceError) {
                let reference = try ImageReference.parseNormalized(image)
                images[reference.name, default: ImageUse()].note(.reference(reference), request)
            } catch {
                undecide("images/allowlist", request, "image \"\(image)\" is not a name a policy can list (\(error.message))")
            }
        case .imagePull:
            guard let image = request.text["image"] else { return }
            if request.text["import_source"] != nil {
                imageWrites = imageWrites ?? Evidence()
                imageWrites?.note(request)
                return
            }
            do throws(ImageReferenceError) {
                let target = try ImageReference.pullTarget(fromImage: image, tag: request.text["tag"])
                images[target.repository, default: ImageUse()].note(target, request)
            } catch {
                undecide("images/allowlist", request, "pull of \"\(image)\" names no image a policy can list (\(error.message))")
            }
        case .imageTag, .imageLoad, .imageCommit, .build:
            imageWrites = imageWrites ?? Evidence()
            imageWrites?.note(request)
        default:
            break
        }
    }

    /// Host sources of `Binds` ("src:dst[:opts]"; a source not starting with "/" is a volume name)
    /// and of `Mounts` of type bind ("bind:src:target").
    private mutating func noteBinds(_ request: ObservedRequest) {
        var sources: [String] = []
        for bind in request.lists["binds"] ?? [] {
            let source = bind.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if source.hasPrefix("/") { sources.append(source) }
        }
        for mount in request.lists["mounts"] ?? [] {
            let parts = mount.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3, parts[0] == "bind", parts[1].hasPrefix("/") { sources.append(String(parts[1])) }
        }
        for source in sources {
            bindSources[BindFolders.cleaned(source), default: Evidence()].note(request)
        }
    }

    private mutating func noteCapabilities(_ request: ObservedRequest) {
        for raw in request.lists["cap_add"] ?? [] {
            let upper = raw.uppercased()
            capabilities[upper.hasPrefix("CAP_") ? upper : "CAP_" + upper, default: Evidence()].note(request)
        }
    }
}
