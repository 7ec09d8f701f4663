import DockgateDocker

/// The JSON field names of the Docker API types whose bodies dockgate judges, as dockerd's Go
/// structs spell them (moby api/types/container/config.go, hostconfig.go; swagger). Embedded
/// structs are flattened as Go does: `Config` into the create body, `Resources` into HostConfig.
enum KnownFields {
    static let containerConfig: Set<String> = [
        "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
        "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
        "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell",
    ]
    static let containerCreate: Set<String> = containerConfig.union(["HostConfig", "NetworkingConfig"])

    static let resources: Set<String> = [
        "CpuShares", "Memory", "NanoCpus", "CgroupParent", "BlkioWeight", "BlkioWeightDevice", "BlkioDeviceReadBps",
        "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuPeriod", "CpuQuota",
        "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems", "Devices", "DeviceCgroupRules",
        "DeviceRequests", "KernelMemory", "KernelMemoryTCP", "MemoryReservation", "MemorySwap", "MemorySwappiness",
        "OomKillDisable", "PidsLimit", "Ulimits", "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth",
    ]
    static let hostConfig: Set<String> = resources.union([
        "Binds", "ContainerIDFile", "LogConfig", "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove",
        "VolumeDriver", "VolumesFrom", "ConsoleSize", "Annotations", "CapAdd", "CapDrop", "CgroupnsMode", "Dns",
        "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd", "IpcMode", "Cgroup", "Links", "OomScoreAdj", "PidMode",
        "Privileged", "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt", "StorageOpt", "Tmpfs", "UTSMode",
        "UsernsMode", "ShmSize", "Sysctls", "Runtime", "Isolation", "Mounts", "MaskedPaths", "ReadonlyPaths", "Init",
        "Capabilities",
    ])
    static let containerUpdate: Set<String> = resources.union(["RestartPolicy"])
    /// `Container` is not an ExecOptions field: docker-py sends it and dockerd ignores it.
    static let execCreate: Set<String> = [
        "Container", "User", "Privileged", "Tty", "ConsoleSize", "AttachStdin", "AttachStderr", "AttachStdout", "Detach",
        "DetachKeys", "Env", "WorkingDir", "Cmd",
    ]
    static let volumeCreate: Set<String> = ["Name", "Driver", "DriverOpts", "Labels", "ClusterVolumeSpec"]
    static let networkCreate: Set<String> = [
        "Name", "CheckDuplicate", "Driver", "Scope", "Internal", "Attachable", "Ingress", "ConfigOnly", "ConfigFrom",
        "IPAM", "EnableIPv6", "EnableIPv4", "Options", "Labels",
    ]
    static let networkConnect: Set<String> = ["Container", "EndpointConfig", "Force"]
    static let mount: Set<String> = [
        "Target", "Source", "Type", "ReadOnly", "Consistency", "BindOptions", "VolumeOptions", "TmpfsOptions",
        "ImageOptions", "ClusterOptions",
    ]
}

/// Go matches JSON keys to struct fields case-insensitively (THREATS G-1, G-2). The reader has
/// already refused two keys that fold alike, so each canonical field has at most one member.
struct FoldedObject {
    let object: JSONObject

    /// The member for a field, under Go's matching.
    subscript(_ field: String) -> JSONValue? { object.member(field) }

    /// Members that match none of `known`, with their keys as written.
    func unknownMembers(_ known: Set<String>) -> [(key: String, value: JSONValue)] {
        // Folded bytes, not Strings: a Set<String> would also match canonically equivalent keys.
        let foldedKnown = Set(known.map(GoJSONFolding.foldedBytes))
        return object.members.filter { !foldedKnown.contains(GoJSONFolding.foldedBytes($0.key)) }
    }

    /// Keys with non-ASCII characters: Go folds some of them onto ASCII field names (`Bindſ`),
    /// and no Docker client sends one, so they are refused rather than reasoned about (THREATS §2 rule 3).
    var nonASCIIKeys: [String] { object.members.map(\.key).filter { !GoJSONFolding.isASCII($0) } }
}
