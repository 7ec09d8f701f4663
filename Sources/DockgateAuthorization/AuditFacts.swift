import DockgateAudit
import DockgateDocker
import DockgatePolicy

/// The security-relevant facts of a request, for its audit record: what was run, from which
/// image, with which privileges and mounts, in which container.
///
/// Never credentials: `X-Registry-Auth`/`X-Registry-Config` headers and `/auth` bodies are not
/// read here, and of `Env` only the variable names would be safe, so it is left out entirely.
public enum AuditFacts {
    /// Facts visible in the path and query alone.
    public static func details(for request: CanonicalRequest) -> [(String, AuditValue)] {
        guard let route = request.route else { return [] }
        var details: [(String, AuditValue)] = []
        switch route.action {
        case .execStart, .execResize, .execInspect:
            if let id = route.objectName { details.append(("exec_id", .string(id))) }
        case .imagePull:
            if let image = request.query.first("fromImage") { details.append(("image", .string(image))) }
            if let tag = request.query.first("tag") { details.append(("tag", .string(tag))) }
            if let source = request.query.first("fromSrc") { details.append(("import_source", .string(source))) }
        case .imageTag:
            if let repo = request.query.first("repo") { details.append(("repo", .string(repo))) }
            if let tag = request.query.first("tag") { details.append(("tag", .string(tag))) }
        case .build:
            details.append(("tags", .strings(request.query.all("t"))))
        case .containerCreate:
            if let name = request.query.first("name") { details.append(("name", .string(name))) }
        default:
            break
        }
        if let object = route.objectName {
            let key: String =
                switch route.group {
                case .containers, .exec: "container"
                case .images: "image"
                case .volumes: "volume"
                case .networks: "network"
                default: "object"
                }
            if route.group != .exec || route.action == .execCreate { details.append((key, .string(object))) }
        }
        return details
    }

    /// Facts from a body the policy read (container create, exec create, updates, volumes, networks).
    public static func details(for kind: BodyKind, body: JSONValue?) -> [(String, AuditValue)] {
        guard case .object(let object)? = body else { return [] }
        switch kind {
        case .containerCreate:
            var details = pick(object, [("image", "Image"), ("cmd", "Cmd"), ("entrypoint", "Entrypoint"), ("user", "User"), ("working_dir", "WorkingDir"), ("tty", "Tty")])
            if case .object(let hostConfig)? = object.member("HostConfig") {
                details += pick(hostConfig, [
                    ("privileged", "Privileged"), ("cap_add", "CapAdd"), ("binds", "Binds"), ("network_mode", "NetworkMode"),
                    ("pid_mode", "PidMode"), ("ipc_mode", "IpcMode"), ("userns_mode", "UsernsMode"), ("security_opt", "SecurityOpt"),
                    ("devices", "Devices"), ("volumes_from", "VolumesFrom"),
                ])
                if case .array(let mounts)? = hostConfig.member("Mounts") {
                    details.append(("mounts", .strings(mounts.map(describeMount))))
                }
            }
            return details
        case .execCreate:
            return pick(object, [("cmd", "Cmd"), ("user", "User"), ("tty", "Tty"), ("privileged", "Privileged"), ("working_dir", "WorkingDir")])
        case .containerUpdate:
            return [("fields", .strings(object.keys))]
        case .volumeCreate:
            return pick(object, [("name", "Name"), ("driver", "Driver")]) + [("driver_options", .strings(optionKeys(object)))]
        case .networkCreate:
            return pick(object, [("name", "Name"), ("driver", "Driver")])
        case .networkConnect:
            return pick(object, [("container", "Container")])
        }
    }

    /// The id a create response carries (`{"Id":"…"}`), for linking later requests to it.
    public static func createdID(fromResponseBody body: [UInt8]) -> String? {
        guard case .object(let object)? = try? StrictJSONReader(maxBytes: 64 * 1024).read(body),
            case .string(let id)? = object.member("Id")
        else { return nil }
        return id
    }

    private static func pick(_ object: JSONObject, _ fields: [(String, String)]) -> [(String, AuditValue)] {
        fields.compactMap { key, field in
            guard let value = object.member(field), let audit = auditValue(value) else { return nil }
            return (key, audit)
        }
    }

    private static func auditValue(_ value: JSONValue) -> AuditValue? {
        switch value {
        case .null: return nil
        case .bool(let flag): return .bool(flag)
        case .string(let text): return .string(text)
        case .number(let number): return number.int64Value.map(AuditValue.int) ?? .string(number.literal)
        case .array(let items):
            return .strings(items.map { item in
                if case .string(let text) = item { return text }
                return String(decoding: item.serialized(), as: UTF8.self)
            })
        case .object: return .string(String(decoding: value.serialized(), as: UTF8.self))
        }
    }

    private static func describeMount(_ mount: JSONValue) -> String {
        guard case .object(let object) = mount else { return "?" }
        func text(_ field: String) -> String {
            if case .string(let value)? = object.member(field) { return value }
            return ""
        }
        return "\(text("Type")):\(text("Source")):\(text("Target"))"
    }

    private static func optionKeys(_ object: JSONObject) -> [String] {
        guard case .object(let options)? = object.member("DriverOpts") else { return [] }
        return options.keys
    }
}
