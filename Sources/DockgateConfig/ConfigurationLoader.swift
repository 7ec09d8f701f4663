import DockgateCore
import DockgatePolicy
import Foundation
import Yams

/// Reads and validates a configuration file. Unknown keys, wrong types and missing required
/// settings are errors with their line: a typo must never silently leave a default in force.
public enum ConfigurationLoader {
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml: String, file: String) throws(ConfigurationError) -> Configuration {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw ConfigurationError(file: file, message: "the file is empty")
            }
            root = composed
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError(file: file, message: "not valid YAML: \(error)")
        } catch {
            throw ConfigurationError(file: file, message: "not valid YAML: \(error)")
        }
        let reader = YAMLReader(file: file)
        let top = try reader.mapping(
            root, allowedKeys: ["listen", "upstream", "tls", "timeouts", "audit", "metrics", "bind_mounts", "policies", "users"], context: "top level")

        var listen = Configuration.defaultListen
        if let node = top["listen"] {
            listen = try reader.sequence(node, context: "listen").map { (item) throws(ConfigurationError) in
                try reader.address(item, context: "listen")
            }
            guard !listen.isEmpty else { throw reader.error(node, "listen must name at least one address") }
            for (item, address) in zip(reader.sequenceNodes(node), listen) {
                guard case .tcp = address else { throw reader.error(item, "listen addresses must be tcp://HOST:PORT") }
            }
        }

        var upstream = Configuration.defaultUpstream
        if let node = top["upstream"] {
            upstream = try reader.address(node, context: "upstream")
            guard case .unix = upstream else { throw reader.error(node, "upstream must be unix:///PATH (the Docker socket)") }
        }

        guard let tlsNode = top["tls"] else {
            throw ConfigurationError(file: file, message: "missing required section \"tls\" (certificate, key, client_ca)")
        }
        let tlsMap = try reader.mapping(
            tlsNode, allowedKeys: ["certificate", "key", "client_ca", "crl", "revoked_fingerprints", "allow_client_certificates_without_eku"],
            context: "tls")
        var tls = Configuration.TLSFiles(
            certificate: try reader.requiredString(tlsMap, "certificate", in: tlsNode, context: "tls"),
            key: try reader.requiredString(tlsMap, "key", in: tlsNode, context: "tls"),
            clientCA: try reader.requiredString(tlsMap, "client_ca", in: tlsNode, context: "tls"))
        if tlsMap["crl"] != nil { tls.crl = try reader.requiredString(tlsMap, "crl", in: tlsNode, context: "tls") }
        if let node = tlsMap["revoked_fingerprints"] {
            for item in try reader.sequence(node, context: "tls.revoked_fingerprints") {
                tls.revokedFingerprints.insert(try reader.fingerprint(item, context: "tls.revoked_fingerprints"))
            }
        }

        if let node = tlsMap["allow_client_certificates_without_eku"] {
            tls.allowClientCertificatesWithoutEKU = try reader.bool(node, context: "tls.allow_client_certificates_without_eku")
        }

        var limits = ProxyLimits()
        if let node = top["timeouts"] {
            let map = try reader.mapping(node, allowedKeys: ["handshake", "request_head", "idle", "drain"], context: "timeouts")
            if let value = map["handshake"] { limits.handshakeTimeout = try reader.duration(value, context: "timeouts.handshake") }
            if let value = map["request_head"] { limits.requestHeadTimeout = try reader.duration(value, context: "timeouts.request_head") }
            if let value = map["idle"] { limits.idleTimeout = try reader.duration(value, context: "timeouts.idle") }
            if let value = map["drain"] { limits.drainTimeout = try reader.duration(value, context: "timeouts.drain") }
        }

        var policies: [String: Policy] = [:]
        if let node = top["policies"] {
            policies = try PolicyReader(reader: reader).policies(node)
        }
        let users = try UserReader(reader: reader).users(top["users"], policies: policies)
        var configuration = Configuration(
            listen: listen, upstream: upstream, tls: tls, limits: limits, users: users, policies: policies)
        if let node = top["audit"] { configuration.audit = try audit(node, reader: reader) }
        if let node = top["metrics"] { configuration.metrics = try metrics(node, reader: reader, listen: listen) }
        if let node = top["bind_mounts"] {
            // Host-wide bind settings; the folders themselves are per policy (policies.NAME.bind_mounts).
            let map = try reader.mapping(node, allowedKeys: ["require_nosymfollow"], context: "bind_mounts")
            if let value = map["require_nosymfollow"] {
                configuration.requiresNoSymlinkFollowingBindRoots = try reader.bool(value, context: "bind_mounts.require_nosymfollow")
            }
        }
        return configuration
    }

    /// `metrics: {listen: unix:///PATH | tcp://LOOPBACK:PORT}`. The endpoint has no authentication,
    /// so it is never reachable from the network: a TCP address must be a numeric loopback one.
    private static func metrics(
        _ node: Node, reader: YAMLReader, listen: [SocketAddress]
    ) throws(ConfigurationError) -> Configuration.MetricsSettings {
        let map = try reader.mapping(node, allowedKeys: ["listen"], context: "metrics")
        guard let listenNode = map["listen"] else {
            throw reader.error(node, "metrics needs listen: unix:///PATH or tcp://127.0.0.1:PORT")
        }
        let address = try reader.address(listenNode, context: "metrics.listen")
        if case .tcp(let host, let port) = address {
            guard LoopbackAddress.isLoopback(host) else {
                throw reader.error(
                    listenNode,
                    "metrics.listen must be a unix socket or a loopback address (127.0.0.0/8 or ::1), not \"\(host)\": the endpoint has no authentication")
            }
            guard port != 0 else { throw reader.error(listenNode, "metrics.listen needs a fixed port") }
            if listen.contains(where: { if case .tcp(_, port) = $0 { true } else { false } }) {
                throw reader.error(listenNode, "metrics.listen must not share the port of the mutual-TLS listener (\(port))")
            }
        }
        return Configuration.MetricsSettings(listen: address)
    }

    /// `audit: {file: PATH, journald: BOOL, stdout: BOOL, on_failure: fail-closed|fail-open}`.
    private static func audit(_ node: Node, reader: YAMLReader) throws(ConfigurationError) -> Configuration.AuditSettings {
        let map = try reader.mapping(node, allowedKeys: ["file", "journald", "stdout", "on_failure"], context: "audit")
        var settings = Configuration.AuditSettings(stdout: false)
        if map["file"] != nil {
            let path = try reader.requiredString(map, "file", in: node, context: "audit")
            guard path.hasPrefix("/") else { throw reader.error(map["file"]!, "audit.file must be an absolute path") }
            settings.file = path
        }
        if let value = map["journald"] { settings.journald = try reader.bool(value, context: "audit.journald") }
        if let value = map["stdout"] { settings.stdout = try reader.bool(value, context: "audit.stdout") }
        if let value = map["on_failure"] {
            switch try reader.string(value, context: "audit.on_failure") {
            case "fail-closed": settings.failClosed = true
            case "fail-open": settings.failClosed = false
            case let other: throw reader.error(value, "audit.on_failure must be fail-closed or fail-open, not \"\(other)\"")
            }
        }
        guard settings.file != nil || settings.journald || settings.stdout else {
            throw reader.error(node, "audit names no sink: set file, journald or stdout")
        }
        return settings
    }
}
