import DockgateCore

/// The dockerd handler a request reaches, by the stable name a policy, an audit record, a metric
/// label and `policy suggest` use for it: `"<object>.<verb>"` for object endpoints
/// (`container.create`, `container.attach.ws`, `exec.create`, `image.pull`, …), bare names for the
/// singletons (`ping`, `version`, `info`, `df`, `events`, `options`, `debug`, `auth`, `build`,
/// `session`, `grpc`).
///
/// The raw value is the name written to the audit trail; it must never change for an existing
/// case (audit files and `policy suggest` read it back).
public enum DockerAction: String, Sendable, CaseIterable, Hashable {
    case ping, events, info, version, diskUsage = "df", auth, build, session, grpc, options, debug
    case containerArchiveStat = "container.archive.stat", containerList = "container.list",
        containerExport = "container.export", containerChanges = "container.changes",
        containerInspect = "container.inspect", containerTop = "container.top", containerLogs = "container.logs",
        containerStats = "container.stats", containerAttachWebSocket = "container.attach.ws",
        containerArchiveGet = "container.archive.get", containerCreate = "container.create",
        containerKill = "container.kill", containerPause = "container.pause", containerUnpause = "container.unpause",
        containerRestart = "container.restart", containerStart = "container.start", containerStop = "container.stop",
        containerWait = "container.wait", containerResize = "container.resize", containerAttach = "container.attach",
        containerRename = "container.rename", containerUpdate = "container.update", containerPrune = "container.prune",
        containerArchivePut = "container.archive.put", containerDelete = "container.delete"
    case execInspect = "exec.inspect", execCreate = "exec.create", execStart = "exec.start", execResize = "exec.resize"
    case imageList = "image.list", imageSearch = "image.search", imageGet = "image.get",
        imageHistory = "image.history", imageInspect = "image.inspect", imageCommit = "image.commit",
        imageLoad = "image.load", imagePull = "image.pull", imagePush = "image.push", imageTag = "image.tag",
        imagePrune = "image.prune", imageDelete = "image.delete"
    case volumeList = "volume.list", volumeInspect = "volume.inspect", volumeCreate = "volume.create",
        volumePrune = "volume.prune", volumeUpdate = "volume.update", volumeDelete = "volume.delete"
    case networkList = "network.list", networkInspect = "network.inspect", networkCreate = "network.create",
        networkConnect = "network.connect", networkDisconnect = "network.disconnect", networkPrune = "network.prune",
        networkDelete = "network.delete"
    case swarmInspect = "swarm.inspect", swarmUnlockKey = "swarm.unlockkey", swarmInit = "swarm.init",
        swarmJoin = "swarm.join", swarmLeave = "swarm.leave", swarmUpdate = "swarm.update",
        swarmUnlock = "swarm.unlock"
    case serviceList = "service.list", serviceInspect = "service.inspect", serviceLogs = "service.logs",
        serviceCreate = "service.create", serviceUpdate = "service.update", serviceDelete = "service.delete"
    case nodeList = "node.list", nodeInspect = "node.inspect", nodeUpdate = "node.update", nodeDelete = "node.delete"
    case taskList = "task.list", taskInspect = "task.inspect", taskLogs = "task.logs"
    case secretList = "secret.list", secretInspect = "secret.inspect", secretCreate = "secret.create",
        secretUpdate = "secret.update", secretDelete = "secret.delete"
    case configList = "config.list", configInspect = "config.inspect", configCreate = "config.create",
        configUpdate = "config.update", configDelete = "config.delete"
    case pluginList = "plugin.list", pluginInspect = "plugin.inspect", pluginPrivileges = "plugin.privileges",
        pluginEnable = "plugin.enable", pluginDisable = "plugin.disable", pluginPull = "plugin.pull",
        pluginPush = "plugin.push", pluginUpgrade = "plugin.upgrade", pluginSet = "plugin.set",
        pluginCreate = "plugin.create", pluginDelete = "plugin.delete"
    case distributionInspect = "distribution.inspect"
    case buildPrune = "build.prune", buildCancel = "build.cancel"
}

extension DockerAction {
    /// The action a recorded name stands for, matched byte for byte (`init(rawValue:)` would also
    /// accept a canonically equivalent spelling).
    public init?(name: String) {
        guard let action = Self.allCases.first(where: { $0.rawValue.hasSameBytes(as: name) }) else { return nil }
        self = action
    }
}

extension DockerAction: CustomStringConvertible {
    /// The recorded name, so that a message or log line that interpolates an action reads as the
    /// audit trail does (never the Swift case name).
    public var description: String { rawValue }
}
