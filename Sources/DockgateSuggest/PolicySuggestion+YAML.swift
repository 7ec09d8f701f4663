import DockgateDocker
import DockgatePolicy

extension PolicySuggestion {
    /// The suggestion as YAML that `dockgate check-config` accepts once pasted into a configuration:
    /// a `policies:` mapping with the one suggested policy and a `users:` list with the user on it.
    /// Every grant has a comment naming the requests that needed it. `source` describes where the
    /// requests came from (file and period), for the header.
    public func yaml(source: String) -> String {
        var out: [String] = []
        out.append("# dockgate policy suggest: the narrowest policy that allows what \(Self.comment(user)) did")
        out.append("# (\(Self.comment(source)); \(considered) requests: \(allowed) allowed, \(wouldDeny) would-deny;")
        out.append("# \(denied) denied requests left out: they never reached the daemon).")
        out.append("# To use it: add the policy below under `policies:` of the configuration, replace the user's entry")
        out.append("# under `users:` with the one below (without `observe:`, so the policy is enforced), then run")
        out.append("# `dockgate check-config FILE` and reload.")
        if pluginProbes > 0 {
            out.append("# \(pluginProbes) plugin inspects (`docker inspect` probing for a plugin) need no plugin access:")
            out.append("# without it dockgate answers them as dockerd does for a plugin that does not exist.")
        }
        out.append("policies:")
        out.append("  \(Self.quoted(policyName)):")
        let groups = EndpointGroup.allCases.compactMap { group in endpoints[group].map { (group, $0) } }
        if groups.isEmpty {
            out.append("    endpoints: {}")
        } else {
            out.append("    endpoints:")
            for (group, entry) in groups {
                out.append(Self.commented("      \(group.rawValue): \(entry.level.rawValue)", entry.evidence.comment))
            }
        }
        let imageLines = images.keys.sorted().flatMap { repository in
            images[repository]!.patterns(repository: repository).map { (pattern: $0, evidence: images[repository]!.evidence) }
        }
        if imageLines.isEmpty {
            out.append("    images: []   # no image was run or pulled")
        } else {
            out.append("    images:")
            for line in imageLines {
                out.append(Self.commented("      - \(Self.quoted(line.pattern))", line.evidence.comment))
            }
        }
        if let imageWrites, !imageLines.isEmpty || endpoints[.images] != nil {
            out.append(Self.commented(
                "    allow_image_writes: true", "tag/load/import/commit/build can put any content under an allowed name; " + imageWrites.comment))
        }
        let (folders, refusedFolders) = bindFolders()
        if !folders.isEmpty {
            out.append("    bind_mounts:")
            for folder in folders {
                out.append(Self.commented("      - \(Self.quoted(folder.folder))", folder.evidence.comment + "; sources: " + folder.sources.joined(separator: ", ")))
            }
        }
        let (granted, refusedCapabilities) = capabilityGrants()
        if !granted.isEmpty {
            out.append("    capabilities:")
            for (name, evidence) in granted {
                out.append(Self.commented("      - \(Self.quoted(String(name.dropFirst(4))))", evidence.comment))
            }
        }
        out.append("users:")
        out.append("  - cn: \(Self.quoted(user))")
        out.append("    policy: \(Self.quoted(policyName))")

        var human: [String] = []
        for rule in undecided.keys.sorted(by: { ($0.hasPrefix("host-escape/") ? 0 : 1, $0) < ($1.hasPrefix("host-escape/") ? 0 : 1, $1) }) {
            let entry = undecided[rule]!
            human.append("#   \(rule): \(entry.evidence.comment)")
            if !entry.reason.isEmpty { human.append("#     why: \(Self.comment(entry.reason))") }
        }
        for folder in refusedFolders {
            human.append("#   bind folder \(Self.comment(folder.folder)): dockgate never allows it (\(folder.problem)); \(folder.evidence.comment)")
        }
        for (name, evidence) in refusedCapabilities {
            human.append("#   capability \(name): host root on its own, so never suggested; \(evidence.comment)")
        }
        if !human.isEmpty {
            out.append("# Needs a human decision (left out of the policy above; with it these requests are refused):")
            out += human.map { Self.comment($0) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Bind folders to suggest, and those dockgate would refuse whoever asked.
    func bindFolders() -> (
        granted: [(folder: String, sources: [String], evidence: Evidence)],
        refused: [(folder: String, problem: String, evidence: Evidence)]
    ) {
        var granted: [(String, [String], Evidence)] = []
        var refused: [(String, String, Evidence)] = []
        // Forbidden sources are kept apart first, so they never widen a folder around them.
        var allowedSources: [String] = []
        for source in bindSources.keys.sorted() {
            if let problem = Policy.bindFolderProblem(source) {
                refused.append((source, problem, bindSources[source]!))
            } else {
                allowedSources.append(source)
            }
        }
        for group in BindFolders.folders(covering: allowedSources) {
            var evidence = Evidence()
            for source in group.sources { evidence.merge(bindSources[source]!) }
            if let problem = Policy.bindFolderProblem(group.folder) {
                refused.append((group.folder, problem, evidence))
            } else {
                granted.append((group.folder, group.sources, evidence))
            }
        }
        return (granted, refused)
    }

    func capabilityGrants() -> (granted: [(String, Evidence)], refused: [(String, Evidence)]) {
        let names = capabilities.keys.sorted()
        return (
            names.filter { !Self.hostRootCapabilities.contains($0) && Self.isCapabilityName($0) }.map { ($0, capabilities[$0]!) },
            names.filter { Self.hostRootCapabilities.contains($0) || !Self.isCapabilityName($0) }.map { ($0, capabilities[$0]!) }
        )
    }

    static func isCapabilityName(_ name: String) -> Bool {
        name.count > 4 && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }

    /// A YAML double-quoted scalar (JSON string syntax is valid YAML).
    static func quoted(_ text: String) -> String { DockerErrorBody.jsonString(text) }

    /// Text for a `#` comment: client-controlled values (paths, images, reasons) on one line,
    /// without control characters, and bounded.
    static func comment(_ text: String) -> String {
        let flat = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        return flat.count > 400 ? String(flat.prefix(400)) + "…" : flat
    }

    static func commented(_ line: String, _ note: String) -> String {
        let padded = line.count < 40 ? line + String(repeating: " ", count: 40 - line.count) : line
        return "\(padded)  # \(comment(note))"
    }
}
