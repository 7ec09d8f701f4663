/// Where the Docker API's request bodies hold Go maps (moby api/types: container.Config,
/// container.HostConfig, network.NetworkingConfig, volume.CreateOptions, network.CreateRequest).
public enum DockerBodyShapes {
    static let deviceRequests = GoValueShape.list(.structure([("Options", .stringMap)]))

    static let mounts = GoValueShape.list(
        .structure([
            ("VolumeOptions", .structure([("Labels", .stringMap), ("DriverConfig", .structure([("Options", .stringMap)]))]))
        ]))

    static let hostConfig = GoValueShape.structure([
        ("PortBindings", .map(.list(.plain))),
        ("LogConfig", .structure([("Config", .stringMap)])),
        ("Sysctls", .stringMap), ("StorageOpt", .stringMap), ("Annotations", .stringMap), ("Tmpfs", .stringMap),
        ("Mounts", mounts), ("DeviceRequests", deviceRequests),
    ])

    public static let containerCreate = GoValueShape.structure([
        ("Labels", .stringMap), ("ExposedPorts", .stringMap), ("Volumes", .stringMap),
        ("HostConfig", hostConfig),
        ("NetworkingConfig", .structure([("EndpointsConfig", .map(.structure([("DriverOpts", .stringMap)])))])),
    ])

    public static let containerUpdate = GoValueShape.structure([("DeviceRequests", deviceRequests)])

    public static let execCreate = GoValueShape.plain

    static let topologies = GoValueShape.list(.structure([("Segments", .stringMap)]))

    public static let volumeCreate = GoValueShape.structure([
        ("Labels", .stringMap), ("DriverOpts", .stringMap),
        ("ClusterVolumeSpec", .structure([
            ("AccessibilityRequirements", .structure([("Requisite", topologies), ("Preferred", topologies)]))
        ])),
    ])

    public static let networkConnect = GoValueShape.structure([
        ("EndpointConfig", .structure([("DriverOpts", .stringMap)])),
    ])

    public static let networkCreate = GoValueShape.structure([
        ("Labels", .stringMap), ("Options", .stringMap),
        ("IPAM", .structure([("Options", .stringMap), ("Config", .list(.structure([("AuxiliaryAddresses", .stringMap)])))])),
    ])
}
