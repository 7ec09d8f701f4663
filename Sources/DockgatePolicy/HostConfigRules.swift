import DockgateCore
import DockgateDocker

/// The "no host escape" rules for a container's HostConfig (THREATS §1.1–§1.5), applied to every
/// policy that is not `privileged`. Each returns the first denial it finds.
struct HostConfigRules {
    let policy: Policy
    let binds: BindMountRules

    static let allowedSecurityOptions: Set<String> = [
        "no-new-privileges", "no-new-privileges=true", "no-new-privileges:true",
        "apparmor=docker-default", "apparmor:docker-default",
    ]
    static let allowedLogDrivers: Set<String> = ["", "json-file", "local", "none"]

    func check(_ hostConfig: JSONObject, field: String = "HostConfig") throws(BodyFieldError) -> PolicyDecision? {
        let fields = FoldedObject(object: hostConfig)
        if let key = fields.nonASCIIKeys.first {
            return .deny("request/field-names", "\(field): non-ASCII field name \"\(key)\" is refused")
        }
        if let unknown = fields.unknownMembers(KnownFields.hostConfig).first(where: { !BodyField.isZero($0.value) }) {
            return .deny("request/unknown-field", "\(field).\(unknown.key) is not a field dockgate knows, and it is set")
        }
        if try BodyField.bool(fields["Privileged"], "\(field).Privileged") == true {
            return .deny("host-escape/privileged", "privileged containers are not allowed")
        }
        if let denial = try capabilities(fields, field) { return denial }
        for name in ["Devices", "DeviceRequests", "DeviceCgroupRules"] {
            if let items = try BodyField.array(fields[name], "\(field).\(name)"), !items.isEmpty {
                return .deny("host-escape/devices", "\(field).\(name): access to host devices is not allowed")
            }
        }
        if let denial = try namespaces(fields, field) { return denial }
        if let options = try BodyField.strings(fields["SecurityOpt"], "\(field).SecurityOpt") {
            for option in options where !Self.allowedSecurityOptions.containsBytes(of: option) {
                return .deny("host-escape/security-opt", "security option \"\(option)\" weakens confinement and is not allowed")
            }
        }
        for name in ["MaskedPaths", "ReadonlyPaths"] where fields[name] != nil && fields[name] != .null {
            // [] is not null: it removes the daemon's defaults (THREATS C-07, G-9).
            return .deny("host-escape/system-paths", "\(field).\(name) may not be set: it unmasks /proc and /sys paths")
        }
        for name in ["Sysctls", "Annotations", "StorageOpt"] {
            if let object = try BodyField.object(fields[name], "\(field).\(name)"), !object.members.isEmpty {
                return .deny("host-escape/\(name.lowercased())", "\(field).\(name) is not allowed")
            }
        }
        if let items = try BodyField.strings(fields["Capabilities"], "\(field).Capabilities"), !items.isEmpty {
            return .deny("host-escape/capabilities", "\(field).Capabilities (a full capability set) is not allowed")
        }
        if let parent = try BodyField.string(fields["CgroupParent"], "\(field).CgroupParent"), !parent.isEmpty {
            return .deny("host-escape/cgroup-parent", "CgroupParent would leave the cgroup that carries the limits")
        }
        if let runtime = try BodyField.string(fields["Runtime"], "\(field).Runtime"), !["", "runc"].containsBytes(of: runtime) {
            return .deny("host-escape/runtime", "runtime \"\(runtime)\" is not allowed")
        }
        if try BodyField.bool(fields["OomKillDisable"], "\(field).OomKillDisable") == true {
            return .deny("host-escape/oom", "OomKillDisable would let the OOM killer pick host processes")
        }
        if let score = try BodyField.integer(fields["OomScoreAdj"], "\(field).OomScoreAdj"), score < 0 {
            return .deny("host-escape/oom", "a negative OomScoreAdj is not allowed")
        }
        if let driver = try BodyField.string(fields["VolumeDriver"], "\(field).VolumeDriver"), !["", "local"].containsBytes(of: driver) {
            return .deny("host-escape/volume-driver", "volume driver \"\(driver)\" is not allowed")
        }
        // VolumesFrom and Links name other containers: the tenancy step resolves each, requires it
        // to be the user's own (or team's), and judges a VolumesFrom source as host-sensitive.
        _ = try BodyField.strings(fields["VolumesFrom"], "\(field).VolumesFrom")
        _ = try BodyField.strings(fields["Links"], "\(field).Links")
        if let logConfig = try BodyField.object(fields["LogConfig"], "\(field).LogConfig"),
            let driver = try BodyField.string(logConfig.member("Type"), "\(field).LogConfig.Type"),
            !Self.allowedLogDrivers.containsBytes(of: driver)
        {
            return .deny("host-escape/log-driver", "log driver \"\(driver)\" is not allowed (json-file, local, none)")
        }
        if let denial = try bindList(fields, field) { return denial }
        if let tmpfs = try BodyField.object(fields["Tmpfs"], "\(field).Tmpfs") {
            for target in tmpfs.keys {
                if let denial = ContainerPathRules.checkMountTarget(target, field: "\(field).Tmpfs") { return denial }
            }
        }
        return try MountRules(policy: policy, binds: binds).check(fields["Mounts"], field: "\(field).Mounts")
    }

    /// dockerd upper-cases with Go's Unicode `ToUpper` and adds `CAP_` (THREATS C-02): non-ASCII
    /// names are refused outright, the rest normalized the same way and checked against the allowlist.
    private func capabilities(_ fields: FoldedObject, _ field: String) throws(BodyFieldError) -> PolicyDecision? {
        guard let added = try BodyField.strings(fields["CapAdd"], "\(field).CapAdd") else { return nil }
        for raw in added {
            guard raw.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 }) else {
                return .deny("host-escape/capabilities", "capability name \"\(raw)\" is refused (non-ASCII)")
            }
            let upper = raw.uppercased()
            let name = upper.startsWithBytes(of: "CAP_") ? upper : "CAP_" + upper
            if name.hasSameBytes(as: "CAP_ALL") || !policy.capabilities.containsBytes(of: name) {
                return .deny("host-escape/capabilities", "adding capability \(name) is not allowed")
            }
        }
        return nil
    }

    private func namespaces(_ fields: FoldedObject, _ field: String) throws(BodyFieldError) -> PolicyDecision? {
        if let mode = try BodyField.string(fields["NetworkMode"], "\(field).NetworkMode") {
            if mode.hasSameBytes(as: "host") { return .deny("host-escape/network", "the host network namespace is not allowed") }
            if mode.startsWithBytes(of: "container:") {
                return .deny("host-escape/network", "joining another container's network namespace is not allowed")
            }
        }
        let allowed: [(String, Set<String>)] = [
            ("PidMode", [""]), ("IpcMode", ["", "private", "shareable", "none"]), ("UTSMode", [""]),
            ("UsernsMode", [""]), ("CgroupnsMode", ["", "private"]), ("Cgroup", [""]),
        ]
        for (name, values) in allowed {
            if let mode = try BodyField.string(fields[name], "\(field).\(name)"), !values.containsBytes(of: mode) {
                return .deny("host-escape/namespaces", "\(name) \"\(mode)\" shares a host or another container's namespace")
            }
        }
        return nil
    }

    /// `Binds` entries, parsed as dockerd parses them (`BindSpecification`): an absolute source is a
    /// host bind and gets the bind-root rule; a propagation that ties the container's mounts to the
    /// host's is refused whatever the source (THREATS M-04).
    func bindList(_ fields: FoldedObject, _ field: String) throws(BodyFieldError) -> PolicyDecision? {
        guard let entries = try BodyField.strings(fields["Binds"], "\(field).Binds") else { return nil }
        for entry in entries {
            guard let bind = BindSpecification(entry) else {
                return .malformed("\(field).Binds: \"\(entry)\" is not a valid bind specification")
            }
            if let propagation = bind.propagation, BindSpecification.refusedPropagations.contains(propagation) {
                return .deny("host-escape/bind-mount", "\(field).Binds: \(propagation) propagation would tie the container's mounts to the host's")
            }
            if let denial = ContainerPathRules.checkMountTarget(bind.destination, field: "\(field).Binds") { return denial }
            guard bind.isHostBind else { continue }  // a named or anonymous volume
            if let denial = binds.check(source: bind.source, field: "\(field).Binds") { return denial }
        }
        return nil
    }

    /// The host paths an existing container binds (`Binds` and `Mounts` of type bind), judged
    /// again right before the daemon mounts them: what was a folder at create may be a symlink now.
    func storedBinds(_ hostConfig: JSONObject, field: String = "HostConfig") throws(BodyFieldError) -> PolicyDecision? {
        let fields = FoldedObject(object: hostConfig)
        if let denial = try bindList(fields, field) { return denial }
        return try MountRules(policy: policy, binds: binds).checkBinds(fields["Mounts"], field: "\(field).Mounts")
    }
}
