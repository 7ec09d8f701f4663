import DockgateCore
import DockgateDocker

extension TenancyGate {
    /// Whether code inside `container` could reach the host: the container's current
    /// configuration is judged by the same rules as this policy's own creates (privileged,
    /// capabilities, devices, namespaces, security options, binds) and its resolved mounts by the
    /// bind and volume rules (THREATS; a viewer reading `/` through an admin's bind).
    func hostSensitivity(of container: DaemonObject, facts: any DaemonFacts) -> PolicyDecision? {
        guard let stored = container.hostConfig else {
            return .deny("host-escape/privileged-target", "its configuration could not be read")
        }
        // System paths unmasked (`--security-opt systempaths=unconfined`) show as empty lists.
        for name in ["MaskedPaths", "ReadonlyPaths"] {
            if case .array(let items)? = stored.member(name), items.isEmpty {
                return .deny("host-escape/system-paths", "it runs with /proc and /sys unmasked")
            }
        }
        // Mounts are judged as the daemon resolved them (below), including those inherited
        // through VolumesFrom; the default masks are the daemon's, not a choice of the creator,
        // and so is `CgroupnsMode: host` on a cgroup v1 host (the cgroup file system stays
        // read-only in an unprivileged container: no way to the host's root).
        let skipped = ["Binds", "Mounts", "VolumesFrom", "Links", "MaskedPaths", "ReadonlyPaths", "CgroupnsMode"]
        let hostConfig = JSONObject(stored.members.filter { member in !skipped.contains { GoJSONFolding.equalFold($0, member.key) } })
        let binds = BindMountRules(roots: policy.bindMountRoots, resolver: resolver)
        do throws(BodyFieldError) {
            if let denial = try HostConfigRules(policy: policy, binds: binds).check(hostConfig, field: "HostConfig") {
                return denial
            }
        } catch {
            return .deny("host-escape/privileged-target", "its configuration cannot be read (\(error.field) \(error.reason))")
        }
        for mount in container.mounts {
            switch mount.type {
            case "bind":
                if let denial = binds.check(source: mount.source, field: "its mount at \(mount.destination)") { return denial }
            case "volume":
                if let denial = volumeMount(mount, facts: facts) { return denial }
            case "tmpfs":
                continue
            default:
                return .deny("host-escape/mount-type", "its mount at \(mount.destination) has type \(mount.type)")
            }
        }
        return nil
    }

    private func volumeMount(_ mount: DaemonObject.Mount, facts: any DaemonFacts) -> PolicyDecision? {
        guard let name = mount.name, !name.isEmpty else { return nil }
        switch facts.volume(name) {
        case .found(let volume): return volumeHostMount(volume, field: "its volume \(name)")
        case .notFound: return nil
        case .unavailable(let why): return .deny("host-escape/volume-options", "its volume \(name) could not be looked up (\(why))")
        }
    }

    /// A named volume whose driver is not `local`, or whose local options mount a host path or a
    /// device (`type`, `o`, `device`), is a host bind in disguise, whoever made it.
    func volumeHostMount(_ volume: DaemonObject, field: String) -> PolicyDecision? {
        if let driver = volume.driver, !driver.isEmpty, !driver.hasSameBytes(as: "local") {
            return .deny("host-escape/volume-driver", "\(field) uses the volume driver \(driver)")
        }
        if let option = volume.options.first(where: { MountRules.hostMountingOptions.containsBytes(of: $0.key) }) {
            return .deny("host-escape/volume-options", "\(field) mounts a host path or device (option \(option.key))")
        }
        return nil
    }

    /// Containers and volumes a create body names: `VolumesFrom` and `Links` must be the tenant's
    /// own (they copy mounts and environment), and are rewritten to the IDs judged; named volumes
    /// are claimed with the owner labels (created now if missing) and must be the tenant's and
    /// plain; networks joined must be the tenant's or the daemon's built-in ones.
    func containerReferences(in body: inout JSONValue, facts: any DaemonFacts) -> TenancyOutcome {
        guard case .object(var object) = body else { return .allow(TenancyRewrite()) }
        if let index = object.members.lastIndex(where: { GoJSONFolding.equalFold($0.key, "HostConfig") }),
            case .object(var hostConfig) = object.members[index].value
        {
            for (field, keepsAlias) in [("VolumesFrom", false), ("Links", true)] {
                guard let position = hostConfig.members.lastIndex(where: { GoJSONFolding.equalFold($0.key, field) }),
                    case .array(let items) = hostConfig.members[position].value
                else { continue }
                var rewritten: [JSONValue] = []
                for item in items {
                    guard case .string(let entry) = item else { return .deny(.malformed("HostConfig.\(field) must hold strings")) }
                    switch referencedContainer(entry, field: field, keepsAlias: keepsAlias, facts: facts) {
                    case .deny(let decision): return .deny(decision)
                    case .allow(let replaced): rewritten.append(.string(replaced))
                    }
                }
                hostConfig.members[position].value = .array(rewritten)
            }
            if let denial = namedVolumes(in: hostConfig, facts: facts) { return .deny(denial) }
            if case .string(let mode)? = hostConfig.member("NetworkMode"), let denial = joinedNetwork(mode, facts: facts) {
                return .deny(denial)
            }
            object.members[index].value = .object(hostConfig)
        }
        if case .object(let networking)? = object.member("NetworkingConfig"),
            case .object(let endpoints)? = networking.member("EndpointsConfig")
        {
            for name in endpoints.keys {
                if let denial = joinedNetwork(name, facts: facts) { return .deny(denial) }
            }
        }
        body = .object(object)
        return .allow(TenancyRewrite())
    }

    private enum Replaced {
        case allow(String)
        case deny(PolicyDecision)
    }

    /// `name[:ro|rw]` (VolumesFrom) or `name[:alias]` (Links) with the name replaced by the ID.
    /// A link without an alias keeps the name as its alias, as dockerd would have made it.
    private func referencedContainer(_ entry: String, field: String, keepsAlias: Bool, facts: any DaemonFacts) -> Replaced {
        let parts = Array(entry.utf8).split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard let name = parts.first, !name.isEmpty else { return .deny(.malformed("HostConfig.\(field): \"\(entry)\" names no container")) }
        var lookupName = name
        if keepsAlias, lookupName.utf8.first == UInt8(ascii: "/") { lookupName.removeFirst() }
        switch owned(.container, lookupName, action: "container.create (\(field))", facts: facts) {
        case .deny(let decision): return .deny(decision)
        case .allow(let container):
            if field.hasSameBytes(as: "VolumesFrom"), let denial = hostSensitivity(of: container, facts: facts) {
                return .deny(Self.prefixed(denial, "HostConfig.VolumesFrom: container \(Self.displayName(container)) is not allowed: "))
            }
            let suffix = parts.count > 1 ? ":" + parts[1] : (keepsAlias ? ":" + lookupName : "")
            return .allow(container.id + suffix)
        }
    }

    private func namedVolumes(in hostConfig: JSONObject, facts: any DaemonFacts) -> PolicyDecision? {
        var names: [String] = []
        if case .array(let binds)? = hostConfig.member("Binds") {
            for case .string(let entry) in binds {
                if let bind = BindSpecification(entry), !bind.source.isEmpty, !bind.isHostBind { names.append(bind.source) }
            }
        }
        if case .array(let mounts)? = hostConfig.member("Mounts") {
            for case .object(let mount) in mounts {
                guard case .string(let type)? = mount.member("Type"), type.hasSameBytes(as: "volume"),
                    case .string(let source)? = mount.member("Source"), !source.isEmpty
                else { continue }
                names.append(source)
            }
        }
        let labels = OwnerLabels.labels(for: tenant)
        for name in names {
            switch facts.claimVolume(name, labels: labels) {
            case .unavailable(let why):
                return .deny(rule: "ownership/unavailable", reason: "the volume \(name) could not be looked up (\(why))", status: 503)
            case .notFound:
                return .deny(rule: "ownership/not-found", reason: "No such volume: \(name)", status: 404)
            case .found(let volume):
                if let denial = ownership(of: volume, action: "container.create (volume)") { return denial }
                if let denial = volumeHostMount(volume, field: "volume \(name)") { return denial }
            }
        }
        return nil
    }

    /// Networks dockerd itself provides are everyone's; any other must be the tenant's.
    static let builtInNetworks = ["", "default", "bridge", "none", "host"]

    private func joinedNetwork(_ name: String, facts: any DaemonFacts) -> PolicyDecision? {
        if Self.builtInNetworks.containsBytes(of: name) || name.startsWithBytes(of: "container:") { return nil }
        switch owned(.network, name, action: "container.create (network)", facts: facts) {
        case .deny(let decision): return decision
        case .allow: return nil
        }
    }

    /// `network connect`/`disconnect` name the container in the body: it must be the tenant's too.
    func connectedContainer(in body: JSONValue?, rewrite: inout TenancyRewrite, facts: any DaemonFacts) -> TenancyOutcome {
        guard case .object(var object)? = body,
            let index = object.members.lastIndex(where: { GoJSONFolding.equalFold($0.key, "Container") }),
            case .string(let name) = object.members[index].value, !name.isEmpty
        else { return .allow(rewrite) }
        switch owned(.container, name, action: "network connect", facts: facts) {
        case .deny(let decision): return .deny(decision)
        case .allow(let container):
            object.members[index].value = .string(container.id)
            rewrite.body = .object(object)
            return .allow(rewrite)
        }
    }
}
