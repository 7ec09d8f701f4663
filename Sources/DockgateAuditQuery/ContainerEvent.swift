/// One thing done to a container, as `who-ran` reports it: a request with what its response and
/// session records added (status, created ids, bytes, duration).
public struct ContainerEvent: Sendable, Equatable, Codable {
    public var time: String
    public var user: String?
    public var policy: String?
    public var action: String
    /// `allow` or `deny`.
    public var decision: String?
    public var rule: String?
    public var reason: String?
    public var status: Int?
    /// How the request named the container (name, id or id prefix).
    public var reference: String?
    /// The full id, when the trail tells it (create response, or a reference to a known container).
    public var containerID: String?
    public var name: String?
    public var image: String?
    /// The container's command (create) or the exec's (exec.create, exec.start).
    public var command: [String]?
    public var execID: String?
    /// The user an exec runs as (`docker exec -u`); absent means the container's.
    public var execUser: String?
    public var bytesIn: UInt64?
    public var bytesOut: UInt64?
    public var durationMicros: UInt64?
    public var connection: UInt64
    public var sequence: Int?

    enum CodingKeys: String, CodingKey {
        case time, user, policy, action, decision, rule, reason, status, reference
        case containerID = "container_id"
        case name, image
        case command = "cmd"
        case execID = "exec_id"
        case execUser = "exec_user"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case durationMicros = "duration_us"
        case connection = "conn"
        case sequence = "seq"
    }
}
