import DockgateCore
import DockgateDocker

/// What the daemon said about an object a request acts on, at the moment it was asked: the full
/// ID the request is then forwarded with, the owner labels, and for containers the configuration
/// that decides whether code inside them is host-sensitive.
public struct DaemonObject: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case container, exec, volume, network
    }

    public var kind: Kind
    /// The container or network ID, the volume name, the exec ID.
    public var id: String
    /// `/name` for containers, the name for networks and volumes.
    public var name: String
    public var labels: [(key: String, value: String)]
    /// Containers: `HostConfig` as stored by the daemon.
    public var hostConfig: JSONObject?
    /// Containers: the resolved mounts (`Mounts` of the inspect answer).
    public var mounts: [Mount]
    /// Volumes: the driver and its options (`o=bind`, `device=/etc` make it a host bind).
    public var driver: String?
    public var options: [(key: String, value: String)]
    /// Exec instances: the container they run in (owned through it).
    public var container: DaemonObject.Reference?

    /// A container an exec runs in: judged in its place.
    public indirect enum Reference: Sendable, Equatable {
        case object(DaemonObject)
    }

    public struct Mount: Sendable, Equatable {
        public var type: String
        public var source: String
        public var name: String?
        public var driver: String?
        public var destination: String

        public init(type: String, source: String, name: String? = nil, driver: String? = nil, destination: String) {
            self.type = type
            self.source = source
            self.name = name
            self.driver = driver
            self.destination = destination
        }
    }

    public init(
        kind: Kind, id: String, name: String, labels: [(key: String, value: String)] = [], hostConfig: JSONObject? = nil,
        mounts: [Mount] = [], driver: String? = nil, options: [(key: String, value: String)] = [], container: DaemonObject? = nil
    ) {
        self.kind = kind
        self.id = id
        self.name = name
        self.labels = labels
        self.hostConfig = hostConfig
        self.mounts = mounts
        self.driver = driver
        self.options = options
        self.container = container.map(Reference.object)
    }

    public var owner: String? { OwnerLabels.owner(in: labels).owner }
    public var team: String? { OwnerLabels.owner(in: labels).team }

    /// The object whose owner decides: an exec's container, anything else itself.
    public var owningObject: DaemonObject {
        if case .object(let container)? = container { return container }
        return self
    }

    public static func == (lhs: DaemonObject, rhs: DaemonObject) -> Bool {
        lhs.kind == rhs.kind && lhs.id.hasSameBytes(as: rhs.id) && lhs.name.hasSameBytes(as: rhs.name)
            && lhs.labels.count == rhs.labels.count
            && zip(lhs.labels, rhs.labels).allSatisfy { $0.key.hasSameBytes(as: $1.key) && $0.value.hasSameBytes(as: $1.value) }
            && lhs.hostConfig == rhs.hostConfig && lhs.mounts == rhs.mounts && lhs.driver == rhs.driver
            && lhs.options.count == rhs.options.count && lhs.container == rhs.container
    }
}

extension DaemonObject {
    /// From `GET /containers/{id}/json`.
    public static func container(inspect object: JSONObject) -> DaemonObject? {
        guard case .string(let id)? = object.exactMember("Id") else { return nil }
        let name = object.exactMember("Name").flatMap(\.stringValue) ?? ""
        var labels: [(key: String, value: String)] = []
        if case .object(let config)? = object.exactMember("Config") {
            labels = stringPairs(config.exactMember("Labels"))
        }
        var hostConfig: JSONObject?
        if case .object(let stored)? = object.exactMember("HostConfig") { hostConfig = stored }
        var mounts: [Mount] = []
        if case .array(let items)? = object.exactMember("Mounts") {
            for case .object(let mount) in items {
                mounts.append(Mount(
                    type: mount.exactMember("Type").flatMap(\.stringValue) ?? "",
                    source: mount.exactMember("Source").flatMap(\.stringValue) ?? "",
                    name: mount.exactMember("Name").flatMap(\.stringValue),
                    driver: mount.exactMember("Driver").flatMap(\.stringValue),
                    destination: mount.exactMember("Destination").flatMap(\.stringValue) ?? ""))
            }
        }
        return DaemonObject(kind: .container, id: id, name: name, labels: labels, hostConfig: hostConfig, mounts: mounts)
    }

    /// From `GET /volumes/{name}`.
    public static func volume(inspect object: JSONObject) -> DaemonObject? {
        guard case .string(let name)? = object.exactMember("Name") else { return nil }
        return DaemonObject(
            kind: .volume, id: name, name: name, labels: stringPairs(object.exactMember("Labels")),
            driver: object.exactMember("Driver").flatMap(\.stringValue), options: stringPairs(object.exactMember("Options")))
    }

    /// From `GET /networks/{id}`.
    public static func network(inspect object: JSONObject) -> DaemonObject? {
        guard case .string(let id)? = object.exactMember("Id") else { return nil }
        return DaemonObject(
            kind: .network, id: id, name: object.exactMember("Name").flatMap(\.stringValue) ?? "",
            labels: stringPairs(object.exactMember("Labels")), driver: object.exactMember("Driver").flatMap(\.stringValue))
    }

    /// From `GET /exec/{id}/json`: its ID and the ID of its container (looked up next).
    public static func execContainerID(inspect object: JSONObject) -> (id: String, container: String)? {
        guard case .string(let id)? = object.exactMember("ID"), case .string(let container)? = object.exactMember("ContainerID") else {
            return nil
        }
        return (id, container)
    }

    private static func stringPairs(_ value: JSONValue?) -> [(key: String, value: String)] {
        guard case .object(let map)? = value else { return [] }
        return map.members.compactMap { member in
            guard case .string(let text) = member.value else { return nil }
            return (member.key, text)
        }
    }
}
