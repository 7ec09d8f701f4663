import DockgateCore
import DockgateDocker

/// Judges the JSON body dockerd will decode for one request kind.
struct BodyRules {
    let policy: Policy
    let resolver: any HostPathResolver

    func decide(_ kind: BodyKind, _ body: JSONValue) throws(BodyFieldError) -> PolicyDecision {
        guard case .object(let object) = body else {
            return .malformed("the \(kind.rawValue) body must be a JSON object")
        }
        let fields = FoldedObject(object: object)
        if let key = fields.nonASCIIKeys.first {
            return .deny("request/field-names", "non-ASCII field name \"\(key)\" is refused")
        }
        let denial: PolicyDecision?
        switch kind {
        case .containerCreate: denial = try containerCreate(fields)
        case .containerUpdate: denial = try containerUpdate(fields)
        case .execCreate: denial = try execCreate(fields)
        case .volumeCreate: denial = try volumeCreate(fields)
        case .networkCreate: denial = try networkCreate(fields)
        case .networkConnect: denial = try networkConnect(fields)
        }
        return denial ?? .allow(rule: "body/\(kind.ruleName)")
    }

    private var hostConfigRules: HostConfigRules {
        HostConfigRules(policy: policy, binds: BindMountRules(roots: policy.bindMountRoots, resolver: resolver))
    }

    private func unknownField(_ fields: FoldedObject, _ known: Set<String>) -> PolicyDecision? {
        guard let unknown = fields.unknownMembers(known).first(where: { !BodyField.isZero($0.value) }) else { return nil }
        return .deny("request/unknown-field", "\(unknown.key) is not a field dockgate knows, and it is set")
    }

    private func containerCreate(_ fields: FoldedObject) throws(BodyFieldError) -> PolicyDecision? {
        if let denial = ImageRules(policy: policy).checkContainerImage(try BodyField.string(fields["Image"], "Image"), field: "Image") {
            return denial
        }
        guard !policy.isPrivileged else { return nil }
        // dockerd ≤ 26.1 reads HostConfig fields at the top level when HostConfig is absent or null
        // (THREATS V-01): a top-level key naming a HostConfig field is refused, whatever its value.
        let hostConfigFields = Set(KnownFields.hostConfig.map(GoJSONFolding.foldedBytes))
        if let legacy = fields.unknownMembers(KnownFields.containerCreate).first(where: {
            hostConfigFields.contains(GoJSONFolding.foldedBytes($0.key)) && !BodyField.isZero($0.value)
        }) {
            return .deny("host-escape/legacy-shape", "\(legacy.key) belongs in HostConfig; the legacy top-level form is refused")
        }
        if let denial = unknownField(fields, KnownFields.containerCreate) { return denial }
        if let denial = ContainerPathRules.checkWorkingDirectory(try BodyField.string(fields["WorkingDir"], "WorkingDir"), field: "WorkingDir") {
            return denial
        }
        if let volumes = try BodyField.object(fields["Volumes"], "Volumes") {
            for key in volumes.keys {
                if let denial = ContainerPathRules.checkMountTarget(key, field: "Volumes") { return denial }
            }
        }
        if let hostConfig = try BodyField.object(fields["HostConfig"], "HostConfig"),
            let denial = try hostConfigRules.check(hostConfig)
        {
            return denial
        }
        if let networking = try BodyField.object(fields["NetworkingConfig"], "NetworkingConfig"),
            let endpoints = try BodyField.object(networking.member("EndpointsConfig"), "NetworkingConfig.EndpointsConfig"),
            endpoints.exactMember("host") != nil
        {
            return .deny("host-escape/network", "joining the host network is not allowed")
        }
        return nil
    }

    private func containerUpdate(_ fields: FoldedObject) throws(BodyFieldError) -> PolicyDecision? {
        guard !policy.isPrivileged else { return nil }
        if let denial = unknownField(fields, KnownFields.containerUpdate) { return denial }
        // The same resource rules as at create: an update must not add what create could not.
        return try hostConfigRules.check(fields.object, field: "update")
    }

    private func execCreate(_ fields: FoldedObject) throws(BodyFieldError) -> PolicyDecision? {
        guard !policy.isPrivileged else { return nil }
        if let denial = unknownField(fields, KnownFields.execCreate) { return denial }
        if try BodyField.bool(fields["Privileged"], "Privileged") == true {
            return .deny("host-escape/privileged-exec", "privileged exec is not allowed")
        }
        // docker-py ≤ 7 sends the container's name again in the body; dockerd ignores it (the path names
        // the container), so any string is accepted and nothing else.
        _ = try BodyField.string(fields["Container"], "Container")
        return ContainerPathRules.checkWorkingDirectory(try BodyField.string(fields["WorkingDir"], "WorkingDir"), field: "WorkingDir")
    }

    private func volumeCreate(_ fields: FoldedObject) throws(BodyFieldError) -> PolicyDecision? {
        guard !policy.isPrivileged else { return nil }
        if let denial = unknownField(fields, KnownFields.volumeCreate) { return denial }
        let driver = try BodyField.string(fields["Driver"], "Driver") ?? ""
        guard ["", "local"].containsBytes(of: driver) else {
            return .deny("host-escape/volume-driver", "volume driver \"\(driver)\" is not allowed")
        }
        if let options = try BodyField.object(fields["DriverOpts"], "DriverOpts"),
            let key = options.keys.first(where: MountRules.hostMountingOptions.containsBytes(of:))
        {
            return .deny("host-escape/volume-options", "local volume option \"\(key)\" would mount a host path or device")
        }
        return nil
    }

    private func networkConnect(_ fields: FoldedObject) throws(BodyFieldError) -> PolicyDecision? {
        guard !policy.isPrivileged else { return nil }
        if let denial = unknownField(fields, KnownFields.networkConnect) { return denial }
        _ = try BodyField.string(fields["Container"], "Container")
        return nil
    }

    private func networkCreate(_ fields: FoldedObject) throws(BodyFieldError) -> PolicyDecision? {
        guard !policy.isPrivileged else { return nil }
        if let denial = unknownField(fields, KnownFields.networkCreate) { return denial }
        let driver = try BodyField.string(fields["Driver"], "Driver") ?? ""
        guard ["", "bridge"].containsBytes(of: driver) else {
            return .deny("host-escape/network-driver", "network driver \"\(driver)\" is not allowed (bridge only)")
        }
        if try BodyField.bool(fields["Ingress"], "Ingress") == true {
            return .deny("host-escape/network", "ingress networks are not allowed")
        }
        if let options = try BodyField.object(fields["Options"], "Options"), !options.members.isEmpty {
            return .deny("host-escape/network-options", "network driver options are not allowed")
        }
        if let from = try BodyField.object(fields["ConfigFrom"], "ConfigFrom"), !from.members.isEmpty {
            return .deny("host-escape/network", "ConfigFrom is not allowed")
        }
        return nil
    }
}
