/// The answer to one question put to the daemon.
public enum DaemonLookup<Value: Sendable>: Sendable {
    case found(Value)
    /// The daemon does not know it.
    case notFound
    /// The daemon could not be asked, or its answer could not be read.
    case unavailable(String)
}

/// Where facts about existing objects come from: the daemon, asked at the moment a request is
/// judged (the proxy asks off its event loops; `policy explain` asks directly). Kept behind this
/// protocol so the decision itself stays pure and testable with fixed facts.
public protocol DaemonFacts: Sendable {
    func container(_ nameOrID: String) -> DaemonLookup<DaemonObject>
    /// The exec instance with its container already looked up (`DaemonObject.container`).
    func exec(_ id: String) -> DaemonLookup<DaemonObject>
    func volume(_ name: String) -> DaemonLookup<DaemonObject>
    func network(_ nameOrID: String) -> DaemonLookup<DaemonObject>
    /// Creates a local volume with `labels` unless one of that name exists, then describes
    /// whichever volume now has the name. Used for named volumes a container create mounts:
    /// dockerd would create a missing one without an owner, and a check-then-forward would race
    /// with anyone creating it in between.
    func claimVolume(_ name: String, labels: [(key: String, value: String)]) -> DaemonLookup<DaemonObject>
}
