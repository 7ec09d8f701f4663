import Dispatch
import DockgateDocker
import DockgatePolicy

/// `DaemonFacts` from the daemon itself, through blocking `DaemonClient` exchanges. The proxy runs
/// every judgement that needs it on `queue`, never on an event loop, and gets the outcome back on
/// the connection's loop as an event.
public struct DaemonObjectFacts: DaemonFacts {
    let client: DaemonClient
    /// `policy explain` only looks: a named volume that does not exist is reported as the one the
    /// create would make (owned by the user), instead of being created.
    let createsVolumes: Bool

    init(client: DaemonClient, createsVolumes: Bool = true) {
        self.client = client
        self.createsVolumes = createsVolumes
    }

    /// Facts from the daemon at `socketPath` that change nothing there (for `policy explain`).
    public static func lookingOnly(socketPath: String) -> DaemonObjectFacts {
        DaemonObjectFacts(client: DaemonClient(socketPath: socketPath), createsVolumes: false)
    }

    /// Where look-ups run: concurrent, so one slow answer holds up only the requests that wait for it.
    static let queue = DispatchQueue(label: "dockgate.daemon-lookups", qos: .userInitiated, attributes: .concurrent)

    public func container(_ nameOrID: String) -> DaemonLookup<DaemonObject> {
        inspect("/containers/\(segment(nameOrID) ?? "")/json", valid: segment(nameOrID) != nil, DaemonObject.container(inspect:))
    }

    public func exec(_ id: String) -> DaemonLookup<DaemonObject> {
        guard let encoded = segment(id) else { return .notFound }
        switch client.object("/exec/\(encoded)/json") {
        case .failure(let error): return .unavailable(error.message)
        case .success(nil): return .notFound
        case .success(let object?):
            guard let (execID, containerID) = DaemonObject.execContainerID(inspect: object) else {
                return .unavailable("unreadable exec inspect answer")
            }
            switch container(containerID) {
            case .found(let owner):
                return .found(DaemonObject(kind: .exec, id: execID, name: execID, container: owner))
            case .notFound: return .notFound
            case .unavailable(let why): return .unavailable(why)
            }
        }
    }

    public func volume(_ name: String) -> DaemonLookup<DaemonObject> {
        inspect("/volumes/\(segment(name) ?? "")", valid: segment(name) != nil, DaemonObject.volume(inspect:))
    }

    public func network(_ nameOrID: String) -> DaemonLookup<DaemonObject> {
        inspect("/networks/\(segment(nameOrID) ?? "")", valid: segment(nameOrID) != nil, DaemonObject.network(inspect:))
    }

    public func claimVolume(_ name: String, labels: [(key: String, value: String)]) -> DaemonLookup<DaemonObject> {
        guard segment(name) != nil else { return .notFound }
        switch volume(name) {
        case .notFound: break
        case let other: return other
        }
        guard createsVolumes else { return .found(DaemonObject(kind: .volume, id: name, name: name, labels: labels, driver: "local")) }
        let body = JSONValue.object(JSONObject([
            ("Name", .string(name)), ("Labels", .object(JSONObject(labels.map { ($0.key, JSONValue.string($0.value)) }))),
        ]))
        // If someone else created it in between, dockerd answers with theirs: judged as found below.
        switch client.send("POST", "/volumes/create", json: body.serialized()) {
        case .failure(let error): return .unavailable(error.message)
        case .success(let answer):
            guard (200..<300).contains(answer.status) else { return .unavailable("volume create answered \(answer.status)") }
        }
        return volume(name)
    }

    private func segment(_ name: String) -> String? { DaemonClient.pathSegment(name) }

    private func inspect(
        _ path: String, valid: Bool, _ parse: (JSONObject) -> DaemonObject?
    ) -> DaemonLookup<DaemonObject> {
        guard valid else { return .notFound }
        switch client.object(path) {
        case .failure(let error): return .unavailable(error.message)
        case .success(nil): return .notFound
        case .success(let object?):
            guard let parsed = parse(object) else { return .unavailable("unreadable answer to \(path)") }
            return .found(parsed)
        }
    }
}
