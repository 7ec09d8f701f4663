/// The dockerd handler a request reaches, as gorilla/mux would pick it (THREATS H-22).
///
/// Action names are stable strings a policy can match on: `"<object>.<verb>"` for object
/// endpoints (`container.create`, `container.attach.ws`, `exec.create`, `image.pull`,
/// `image.tag`, `volume.delete`, `network.connect`, `service.update`, `secret.inspect`,
/// `plugin.enable`, `distribution.inspect`…), bare names for the singletons (`ping`, `version`,
/// `info`, `df`, `events`, `options`, `debug`, `auth`, `build`, `session`, `grpc`).
public struct DockerRoute: Sendable, Equatable {
    /// The endpoint family the policy grants rights on.
    public let group: EndpointGroup
    /// The stable name of the handler, e.g. `"container.create"`.
    public let action: String
    /// True when the request changes state or can write: every POST/PUT/DELETE route, the GET
    /// `attach/ws` websocket that writes to stdin (THREATS X-05), and `/debug` (L-04).
    public let isWrite: Bool
    /// The decoded `{id}`/`{name}` part of the path: one segment for containers, exec instances,
    /// volumes, networks, services, nodes, tasks, secrets and configs; one or more segments
    /// joined with "/" for image, plugin and distribution names (`"library/busybox"`, H-22).
    /// Nil when the route names no object (`/containers/json`, `/images/create`…).
    public let objectName: String?

    public init(group: EndpointGroup, action: String, isWrite: Bool, objectName: String? = nil) {
        self.group = group
        self.action = action
        self.isWrite = isWrite
        self.objectName = objectName
    }
}
