/// The dockerd handler a request reaches, as gorilla/mux would pick it (THREATS H-22).
public struct DockerRoute: Sendable, Equatable {
    /// The endpoint family the policy grants rights on.
    public let group: EndpointGroup
    /// The handler, e.g. `.containerCreate` (`"container.create"`).
    public let action: DockerAction
    /// True when the request changes state or can write: every POST/PUT/DELETE route, the GET
    /// `attach/ws` websocket that writes to stdin (THREATS X-05), and `/debug` (L-04).
    public let isWrite: Bool
    /// The decoded `{id}`/`{name}` part of the path: one segment for containers, exec instances,
    /// volumes, networks, services, nodes, tasks, secrets and configs; one or more segments
    /// joined with "/" for image, plugin and distribution names (`"library/busybox"`, H-22).
    /// Nil when the route names no object (`/containers/json`, `/images/create`…).
    public let objectName: String?

    public init(group: EndpointGroup, action: DockerAction, isWrite: Bool, objectName: String? = nil) {
        self.group = group
        self.action = action
        self.isWrite = isWrite
        self.objectName = objectName
    }
}
