import DockgateCore
import DockgateDocker

/// `HostConfig.Mounts[]` (THREATS M-04, M-05, M-10): binds get the bind-root rule, volumes may not
/// smuggle a host bind through the local driver's options, image mounts obey the image allowlist.
struct MountRules {
    let policy: Policy
    let binds: BindMountRules

    /// The local driver's options that mount a host path, a device or a remote share.
    static let hostMountingOptions: Set<String> = ["type", "o", "device"]
    static let knownTypes = ["bind", "volume", "tmpfs", "image"]

    func check(_ value: JSONValue?, field: String) throws(BodyFieldError) -> PolicyDecision? {
        guard let mounts = try BodyField.array(value, field) else { return nil }
        for (index, item) in mounts.enumerated() {
            let itemField = "\(field)[\(index)]"
            guard case .object(let object) = item else { throw BodyFieldError(field: itemField, reason: "must be an object") }
            let mount = FoldedObject(object: object)
            if let key = mount.nonASCIIKeys.first {
                return .deny("request/field-names", "\(itemField): non-ASCII field name \"\(key)\" is refused")
            }
            if let unknown = mount.unknownMembers(KnownFields.mount).first(where: { !BodyField.isZero($0.value) }) {
                return .deny("request/unknown-field", "\(itemField).\(unknown.key) is not a field dockgate knows, and it is set")
            }
            let type = try BodyField.string(mount["Type"], "\(itemField).Type") ?? ""
            let source = try BodyField.string(mount["Source"], "\(itemField).Source") ?? ""
            let target = try BodyField.string(mount["Target"], "\(itemField).Target") ?? ""
            if let denial = ContainerPathRules.checkMountTarget(target, field: "\(itemField).Target") { return denial }
            // Matched by bytes: the switch below only ever sees one of these constants.
            switch Self.knownTypes.first(where: { $0.hasSameBytes(as: type) }) {
            case "bind":
                if let denial = try bind(mount, source: source, field: itemField) { return denial }
            case "volume":
                if let denial = try volumeOptions(mount, itemField) { return denial }
            case "tmpfs":
                continue
            case "image":
                if let denial = ImageRules(policy: policy).checkContainerImage(source, field: "\(itemField).Source") {
                    return denial
                }
            default:  // includes nil: a type dockgate does not know
                return .deny("host-escape/mount-type", "\(itemField): mount type \"\(type)\" is not allowed")
            }
        }
        return nil
    }

    /// Only the bind items, for a container's stored configuration (see `HostConfigRules.storedBinds`).
    func checkBinds(_ value: JSONValue?, field: String) throws(BodyFieldError) -> PolicyDecision? {
        guard let mounts = try BodyField.array(value, field) else { return nil }
        for (index, item) in mounts.enumerated() {
            let itemField = "\(field)[\(index)]"
            guard case .object(let object) = item else { throw BodyFieldError(field: itemField, reason: "must be an object") }
            let mount = FoldedObject(object: object)
            guard try BodyField.string(mount["Type"], "\(itemField).Type") == "bind" else { continue }
            let source = try BodyField.string(mount["Source"], "\(itemField).Source") ?? ""
            if let denial = try bind(mount, source: source, field: itemField) { return denial }
        }
        return nil
    }

    private func bind(_ mount: FoldedObject, source: String, field: String) throws(BodyFieldError) -> PolicyDecision? {
        if let denial = binds.check(source: source, field: field) { return denial }
        if let options = try BodyField.object(mount["BindOptions"], "\(field).BindOptions"),
            let propagation = try BodyField.string(options.member("Propagation"), "\(field).BindOptions.Propagation"),
            // Byte-exact: anything but the private modes (dockerd rejects unknown ones) is refused.
            !["", "private", "rprivate"].contains(where: { propagation.utf8.elementsEqual($0.utf8) })
        {
            return .deny("host-escape/bind-mount", "\(field): \(propagation) propagation would tie the container's mounts to the host's")
        }
        return nil
    }

    private func volumeOptions(_ mount: FoldedObject, _ field: String) throws(BodyFieldError) -> PolicyDecision? {
        guard let options = try BodyField.object(mount["VolumeOptions"], "\(field).VolumeOptions"),
            let driver = try BodyField.object(options.member("DriverConfig"), "\(field).VolumeOptions.DriverConfig")
        else { return nil }
        let name = try BodyField.string(driver.member("Name"), "\(field).VolumeOptions.DriverConfig.Name") ?? ""
        guard ["", "local"].containsBytes(of: name) else {
            return .deny("host-escape/volume-driver", "\(field): volume driver \"\(name)\" is not allowed")
        }
        // Map keys are exact in Go (THREATS G-16): "type" is the option, "Type" is rejected by the driver.
        if let driverOptions = try BodyField.object(driver.member("Options"), "\(field).VolumeOptions.DriverConfig.Options"),
            let key = driverOptions.keys.first(where: Self.hostMountingOptions.containsBytes(of:))
        {
            return .deny("host-escape/volume-options", "\(field): local volume option \"\(key)\" would mount a host path or device")
        }
        return nil
    }
}
