/// dockerd's route table, in gorilla/mux registration order (moby `daemon/server/router/*`;
/// THREATS H-22, §1.7–§1.13). The first registered route of the request's method whose
/// pattern matches wins, as in gorilla.
///
/// Deliberately narrower than dockerd where that can only turn a route into "unknown":
/// container, exec, volume and network ids are one segment (dockerd registers `{name:.*}` but
/// no such name contains "/"), and HEAD matches only `/_ping` and `/containers/{id}/archive`.
/// `OPTIONS` (CORS catch-all, L-05) and `/debug` (any method, L-04) are classified by
/// `RequestCanonicalizer` before this table.
enum DockerRouteTable {
    static func route(method: String, segments: [TargetPathSegment]) -> (DockerRoute, RouteMatch)? {
        for spec in specs where spec.method == method {
            if let match = spec.match(segments) { return (spec.route(objectName: match.objectName), match) }
        }
        return nil
    }

    static let specs: [RouteSpec] = [
        // HEAD: only the two registered HEAD routes.
        RouteSpec("HEAD", "/_ping", .system, "ping", write: false),
        RouteSpec("HEAD", "/containers/{id}/archive", .containers, "container.archive.stat", write: false),

        // GET, container router.
        RouteSpec("GET", "/containers/json", .containers, "container.list", write: false),
        RouteSpec("GET", "/containers/{id}/export", .containers, "container.export", write: false),
        RouteSpec("GET", "/containers/{id}/changes", .containers, "container.changes", write: false),
        RouteSpec("GET", "/containers/{id}/json", .containers, "container.inspect", write: false),
        RouteSpec("GET", "/containers/{id}/top", .containers, "container.top", write: false),
        RouteSpec("GET", "/containers/{id}/logs", .containers, "container.logs", write: false),
        RouteSpec("GET", "/containers/{id}/stats", .containers, "container.stats", write: false),
        // A GET that writes to the container's stdin.
        RouteSpec("GET", "/containers/{id}/attach/ws", .containers, "container.attach.ws", write: true),
        RouteSpec("GET", "/exec/{id}/json", .exec, "exec.inspect", write: false),
        RouteSpec("GET", "/containers/{id}/archive", .containers, "container.archive.get", write: false),
        // GET, image router.
        RouteSpec("GET", "/images/json", .images, "image.list", write: false),
        RouteSpec("GET", "/images/search", .images, "image.search", write: false),
        RouteSpec("GET", "/images/get", .images, "image.get", write: false),
        RouteSpec("GET", "/images/{name}/get", .images, "image.get", write: false),
        RouteSpec("GET", "/images/{name}/history", .images, "image.history", write: false),
        RouteSpec("GET", "/images/{name}/json", .images, "image.inspect", write: false),
        // GET, system router.
        RouteSpec("GET", "/_ping", .system, "ping", write: false),
        RouteSpec("GET", "/events", .events, "events", write: false),
        RouteSpec("GET", "/info", .system, "info", write: false),
        RouteSpec("GET", "/version", .system, "version", write: false),
        RouteSpec("GET", "/system/df", .system, "df", write: false),
        // GET, volume and network routers.
        RouteSpec("GET", "/volumes", .volumes, "volume.list", write: false),
        RouteSpec("GET", "/volumes/{id}", .volumes, "volume.inspect", write: false),
        RouteSpec("GET", "/networks", .networks, "network.list", write: false),
        RouteSpec("GET", "/networks/{id}", .networks, "network.inspect", write: false),
        // GET, swarm router (W-02, W-03, W-06).
        RouteSpec("GET", "/swarm", .swarm, "swarm.inspect", write: false),
        RouteSpec("GET", "/swarm/unlockkey", .swarm, "swarm.unlockkey", write: false),
        RouteSpec("GET", "/services", .swarm, "service.list", write: false),
        RouteSpec("GET", "/services/{id}", .swarm, "service.inspect", write: false),
        RouteSpec("GET", "/services/{id}/logs", .swarm, "service.logs", write: false),
        RouteSpec("GET", "/nodes", .swarm, "node.list", write: false),
        RouteSpec("GET", "/nodes/{id}", .swarm, "node.inspect", write: false),
        RouteSpec("GET", "/tasks", .swarm, "task.list", write: false),
        RouteSpec("GET", "/tasks/{id}", .swarm, "task.inspect", write: false),
        RouteSpec("GET", "/tasks/{id}/logs", .swarm, "task.logs", write: false),
        RouteSpec("GET", "/secrets", .secrets, "secret.list", write: false),
        RouteSpec("GET", "/secrets/{id}", .secrets, "secret.inspect", write: false),
        RouteSpec("GET", "/configs", .secrets, "config.list", write: false),
        RouteSpec("GET", "/configs/{id}", .secrets, "config.inspect", write: false),
        // GET, plugin and distribution routers.
        RouteSpec("GET", "/plugins", .plugins, "plugin.list", write: false),
        RouteSpec("GET", "/plugins/{name}/json", .plugins, "plugin.inspect", write: false),
        RouteSpec("GET", "/plugins/privileges", .plugins, "plugin.privileges", write: false),
        RouteSpec("GET", "/distribution/{name}/json", .distribution, "distribution.inspect", write: false),

        // POST, container router.
        RouteSpec("POST", "/containers/create", .containers, "container.create", write: true),
        RouteSpec("POST", "/containers/{id}/kill", .containers, "container.kill", write: true),
        RouteSpec("POST", "/containers/{id}/pause", .containers, "container.pause", write: true),
        RouteSpec("POST", "/containers/{id}/unpause", .containers, "container.unpause", write: true),
        RouteSpec("POST", "/containers/{id}/restart", .containers, "container.restart", write: true),
        RouteSpec("POST", "/containers/{id}/start", .containers, "container.start", write: true),
        RouteSpec("POST", "/containers/{id}/stop", .containers, "container.stop", write: true),
        RouteSpec("POST", "/containers/{id}/wait", .containers, "container.wait", write: true),
        RouteSpec("POST", "/containers/{id}/resize", .containers, "container.resize", write: true),
        RouteSpec("POST", "/containers/{id}/attach", .containers, "container.attach", write: true),
        RouteSpec("POST", "/containers/{id}/exec", .exec, "exec.create", write: true),
        RouteSpec("POST", "/exec/{id}/start", .exec, "exec.start", write: true),
        RouteSpec("POST", "/exec/{id}/resize", .exec, "exec.resize", write: true),
        RouteSpec("POST", "/containers/{id}/rename", .containers, "container.rename", write: true),
        RouteSpec("POST", "/containers/{id}/update", .containers, "container.update", write: true),
        RouteSpec("POST", "/containers/prune", .containers, "container.prune", write: true),
        RouteSpec("POST", "/commit", .images, "image.commit", write: true),
        // POST, image router. `/images/create` is pull or import (`fromSrc`, I-03).
        RouteSpec("POST", "/images/load", .images, "image.load", write: true),
        RouteSpec("POST", "/images/create", .images, "image.pull", write: true),
        RouteSpec("POST", "/images/{name}/push", .images, "image.push", write: true),
        RouteSpec("POST", "/images/{name}/tag", .images, "image.tag", write: true),
        RouteSpec("POST", "/images/prune", .images, "image.prune", write: true),
        // POST, system, build, session and gRPC routers.
        RouteSpec("POST", "/auth", .distribution, "auth", write: true),
        RouteSpec("POST", "/build", .build, "build", write: true),
        RouteSpec("POST", "/build/prune", .build, "build.prune", write: true),
        RouteSpec("POST", "/build/cancel", .build, "build.cancel", write: true),
        RouteSpec("POST", "/session", .session, "session", write: true),
        RouteSpec("POST", "/grpc", .session, "grpc", write: true),
        // POST, volume and network routers.
        RouteSpec("POST", "/volumes/create", .volumes, "volume.create", write: true),
        RouteSpec("POST", "/volumes/prune", .volumes, "volume.prune", write: true),
        RouteSpec("POST", "/networks/create", .networks, "network.create", write: true),
        RouteSpec("POST", "/networks/{id}/connect", .networks, "network.connect", write: true),
        RouteSpec("POST", "/networks/{id}/disconnect", .networks, "network.disconnect", write: true),
        RouteSpec("POST", "/networks/prune", .networks, "network.prune", write: true),
        // POST, swarm router.
        RouteSpec("POST", "/swarm/init", .swarm, "swarm.init", write: true),
        RouteSpec("POST", "/swarm/join", .swarm, "swarm.join", write: true),
        RouteSpec("POST", "/swarm/leave", .swarm, "swarm.leave", write: true),
        RouteSpec("POST", "/swarm/update", .swarm, "swarm.update", write: true),
        RouteSpec("POST", "/swarm/unlock", .swarm, "swarm.unlock", write: true),
        RouteSpec("POST", "/services/create", .swarm, "service.create", write: true),
        RouteSpec("POST", "/services/{id}/update", .swarm, "service.update", write: true),
        RouteSpec("POST", "/nodes/{id}/update", .swarm, "node.update", write: true),
        RouteSpec("POST", "/secrets/create", .secrets, "secret.create", write: true),
        RouteSpec("POST", "/secrets/{id}/update", .secrets, "secret.update", write: true),
        RouteSpec("POST", "/configs/create", .secrets, "config.create", write: true),
        RouteSpec("POST", "/configs/{id}/update", .secrets, "config.update", write: true),
        // POST, plugin router.
        RouteSpec("POST", "/plugins/{name}/enable", .plugins, "plugin.enable", write: true),
        RouteSpec("POST", "/plugins/{name}/disable", .plugins, "plugin.disable", write: true),
        RouteSpec("POST", "/plugins/pull", .plugins, "plugin.pull", write: true),
        RouteSpec("POST", "/plugins/{name}/push", .plugins, "plugin.push", write: true),
        RouteSpec("POST", "/plugins/{name}/upgrade", .plugins, "plugin.upgrade", write: true),
        RouteSpec("POST", "/plugins/{name}/set", .plugins, "plugin.set", write: true),
        RouteSpec("POST", "/plugins/create", .plugins, "plugin.create", write: true),

        // PUT.
        RouteSpec("PUT", "/containers/{id}/archive", .containers, "container.archive.put", write: true),
        RouteSpec("PUT", "/volumes/{id}", .volumes, "volume.update", write: true),

        // DELETE.
        RouteSpec("DELETE", "/containers/{id}", .containers, "container.delete", write: true),
        RouteSpec("DELETE", "/images/{name}", .images, "image.delete", write: true),
        RouteSpec("DELETE", "/volumes/{id}", .volumes, "volume.delete", write: true),
        RouteSpec("DELETE", "/networks/{id}", .networks, "network.delete", write: true),
        RouteSpec("DELETE", "/services/{id}", .swarm, "service.delete", write: true),
        RouteSpec("DELETE", "/nodes/{id}", .swarm, "node.delete", write: true),
        RouteSpec("DELETE", "/secrets/{id}", .secrets, "secret.delete", write: true),
        RouteSpec("DELETE", "/configs/{id}", .secrets, "config.delete", write: true),
        RouteSpec("DELETE", "/plugins/{name}", .plugins, "plugin.delete", write: true),
    ]
}
