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
        RouteSpec("HEAD", "/_ping", .system, .ping, write: false),
        RouteSpec("HEAD", "/containers/{id}/archive", .containers, .containerArchiveStat, write: false),

        // GET, container router.
        RouteSpec("GET", "/containers/json", .containers, .containerList, write: false),
        RouteSpec("GET", "/containers/{id}/export", .containers, .containerExport, write: false),
        RouteSpec("GET", "/containers/{id}/changes", .containers, .containerChanges, write: false),
        RouteSpec("GET", "/containers/{id}/json", .containers, .containerInspect, write: false),
        RouteSpec("GET", "/containers/{id}/top", .containers, .containerTop, write: false),
        RouteSpec("GET", "/containers/{id}/logs", .containers, .containerLogs, write: false),
        RouteSpec("GET", "/containers/{id}/stats", .containers, .containerStats, write: false),
        // A GET that writes to the container's stdin.
        RouteSpec("GET", "/containers/{id}/attach/ws", .containers, .containerAttachWebSocket, write: true),
        RouteSpec("GET", "/exec/{id}/json", .exec, .execInspect, write: false),
        RouteSpec("GET", "/containers/{id}/archive", .containers, .containerArchiveGet, write: false),
        // GET, image router.
        RouteSpec("GET", "/images/json", .images, .imageList, write: false),
        RouteSpec("GET", "/images/search", .images, .imageSearch, write: false),
        RouteSpec("GET", "/images/get", .images, .imageGet, write: false),
        RouteSpec("GET", "/images/{name}/get", .images, .imageGet, write: false),
        RouteSpec("GET", "/images/{name}/history", .images, .imageHistory, write: false),
        RouteSpec("GET", "/images/{name}/json", .images, .imageInspect, write: false),
        // GET, system router.
        RouteSpec("GET", "/_ping", .system, .ping, write: false),
        RouteSpec("GET", "/events", .events, .events, write: false),
        RouteSpec("GET", "/info", .system, .info, write: false),
        RouteSpec("GET", "/version", .system, .version, write: false),
        RouteSpec("GET", "/system/df", .system, .diskUsage, write: false),
        // GET, volume and network routers.
        RouteSpec("GET", "/volumes", .volumes, .volumeList, write: false),
        RouteSpec("GET", "/volumes/{id}", .volumes, .volumeInspect, write: false),
        RouteSpec("GET", "/networks", .networks, .networkList, write: false),
        RouteSpec("GET", "/networks/{id}", .networks, .networkInspect, write: false),
        // GET, swarm router (W-02, W-03, W-06).
        RouteSpec("GET", "/swarm", .swarm, .swarmInspect, write: false),
        RouteSpec("GET", "/swarm/unlockkey", .swarm, .swarmUnlockKey, write: false),
        RouteSpec("GET", "/services", .swarm, .serviceList, write: false),
        RouteSpec("GET", "/services/{id}", .swarm, .serviceInspect, write: false),
        RouteSpec("GET", "/services/{id}/logs", .swarm, .serviceLogs, write: false),
        RouteSpec("GET", "/nodes", .swarm, .nodeList, write: false),
        RouteSpec("GET", "/nodes/{id}", .swarm, .nodeInspect, write: false),
        RouteSpec("GET", "/tasks", .swarm, .taskList, write: false),
        RouteSpec("GET", "/tasks/{id}", .swarm, .taskInspect, write: false),
        RouteSpec("GET", "/tasks/{id}/logs", .swarm, .taskLogs, write: false),
        RouteSpec("GET", "/secrets", .secrets, .secretList, write: false),
        RouteSpec("GET", "/secrets/{id}", .secrets, .secretInspect, write: false),
        RouteSpec("GET", "/configs", .secrets, .configList, write: false),
        RouteSpec("GET", "/configs/{id}", .secrets, .configInspect, write: false),
        // GET, plugin and distribution routers.
        RouteSpec("GET", "/plugins", .plugins, .pluginList, write: false),
        RouteSpec("GET", "/plugins/{name}/json", .plugins, .pluginInspect, write: false),
        RouteSpec("GET", "/plugins/privileges", .plugins, .pluginPrivileges, write: false),
        RouteSpec("GET", "/distribution/{name}/json", .distribution, .distributionInspect, write: false),

        // POST, container router.
        RouteSpec("POST", "/containers/create", .containers, .containerCreate, write: true),
        RouteSpec("POST", "/containers/{id}/kill", .containers, .containerKill, write: true),
        RouteSpec("POST", "/containers/{id}/pause", .containers, .containerPause, write: true),
        RouteSpec("POST", "/containers/{id}/unpause", .containers, .containerUnpause, write: true),
        RouteSpec("POST", "/containers/{id}/restart", .containers, .containerRestart, write: true),
        RouteSpec("POST", "/containers/{id}/start", .containers, .containerStart, write: true),
        RouteSpec("POST", "/containers/{id}/stop", .containers, .containerStop, write: true),
        RouteSpec("POST", "/containers/{id}/wait", .containers, .containerWait, write: true),
        RouteSpec("POST", "/containers/{id}/resize", .containers, .containerResize, write: true),
        RouteSpec("POST", "/containers/{id}/attach", .containers, .containerAttach, write: true),
        RouteSpec("POST", "/containers/{id}/exec", .exec, .execCreate, write: true),
        RouteSpec("POST", "/exec/{id}/start", .exec, .execStart, write: true),
        RouteSpec("POST", "/exec/{id}/resize", .exec, .execResize, write: true),
        RouteSpec("POST", "/containers/{id}/rename", .containers, .containerRename, write: true),
        RouteSpec("POST", "/containers/{id}/update", .containers, .containerUpdate, write: true),
        RouteSpec("POST", "/containers/prune", .containers, .containerPrune, write: true),
        RouteSpec("POST", "/commit", .images, .imageCommit, write: true),
        // POST, image router. `/images/create` is pull or import (`fromSrc`, I-03).
        RouteSpec("POST", "/images/load", .images, .imageLoad, write: true),
        RouteSpec("POST", "/images/create", .images, .imagePull, write: true),
        RouteSpec("POST", "/images/{name}/push", .images, .imagePush, write: true),
        RouteSpec("POST", "/images/{name}/tag", .images, .imageTag, write: true),
        RouteSpec("POST", "/images/prune", .images, .imagePrune, write: true),
        // POST, system, build, session and gRPC routers.
        RouteSpec("POST", "/auth", .distribution, .auth, write: true),
        RouteSpec("POST", "/build", .build, .build, write: true),
        RouteSpec("POST", "/build/prune", .build, .buildPrune, write: true),
        RouteSpec("POST", "/build/cancel", .build, .buildCancel, write: true),
        RouteSpec("POST", "/session", .session, .session, write: true),
        RouteSpec("POST", "/grpc", .session, .grpc, write: true),
        // POST, volume and network routers.
        RouteSpec("POST", "/volumes/create", .volumes, .volumeCreate, write: true),
        RouteSpec("POST", "/volumes/prune", .volumes, .volumePrune, write: true),
        RouteSpec("POST", "/networks/create", .networks, .networkCreate, write: true),
        RouteSpec("POST", "/networks/{id}/connect", .networks, .networkConnect, write: true),
        RouteSpec("POST", "/networks/{id}/disconnect", .networks, .networkDisconnect, write: true),
        RouteSpec("POST", "/networks/prune", .networks, .networkPrune, write: true),
        // POST, swarm router.
        RouteSpec("POST", "/swarm/init", .swarm, .swarmInit, write: true),
        RouteSpec("POST", "/swarm/join", .swarm, .swarmJoin, write: true),
        RouteSpec("POST", "/swarm/leave", .swarm, .swarmLeave, write: true),
        RouteSpec("POST", "/swarm/update", .swarm, .swarmUpdate, write: true),
        RouteSpec("POST", "/swarm/unlock", .swarm, .swarmUnlock, write: true),
        RouteSpec("POST", "/services/create", .swarm, .serviceCreate, write: true),
        RouteSpec("POST", "/services/{id}/update", .swarm, .serviceUpdate, write: true),
        RouteSpec("POST", "/nodes/{id}/update", .swarm, .nodeUpdate, write: true),
        RouteSpec("POST", "/secrets/create", .secrets, .secretCreate, write: true),
        RouteSpec("POST", "/secrets/{id}/update", .secrets, .secretUpdate, write: true),
        RouteSpec("POST", "/configs/create", .secrets, .configCreate, write: true),
        RouteSpec("POST", "/configs/{id}/update", .secrets, .configUpdate, write: true),
        // POST, plugin router.
        RouteSpec("POST", "/plugins/{name}/enable", .plugins, .pluginEnable, write: true),
        RouteSpec("POST", "/plugins/{name}/disable", .plugins, .pluginDisable, write: true),
        RouteSpec("POST", "/plugins/pull", .plugins, .pluginPull, write: true),
        RouteSpec("POST", "/plugins/{name}/push", .plugins, .pluginPush, write: true),
        RouteSpec("POST", "/plugins/{name}/upgrade", .plugins, .pluginUpgrade, write: true),
        RouteSpec("POST", "/plugins/{name}/set", .plugins, .pluginSet, write: true),
        RouteSpec("POST", "/plugins/create", .plugins, .pluginCreate, write: true),

        // PUT.
        RouteSpec("PUT", "/containers/{id}/archive", .containers, .containerArchivePut, write: true),
        RouteSpec("PUT", "/volumes/{id}", .volumes, .volumeUpdate, write: true),

        // DELETE.
        RouteSpec("DELETE", "/containers/{id}", .containers, .containerDelete, write: true),
        RouteSpec("DELETE", "/images/{name}", .images, .imageDelete, write: true),
        RouteSpec("DELETE", "/volumes/{id}", .volumes, .volumeDelete, write: true),
        RouteSpec("DELETE", "/networks/{id}", .networks, .networkDelete, write: true),
        RouteSpec("DELETE", "/services/{id}", .swarm, .serviceDelete, write: true),
        RouteSpec("DELETE", "/nodes/{id}", .swarm, .nodeDelete, write: true),
        RouteSpec("DELETE", "/secrets/{id}", .secrets, .secretDelete, write: true),
        RouteSpec("DELETE", "/configs/{id}", .secrets, .configDelete, write: true),
        RouteSpec("DELETE", "/plugins/{name}", .plugins, .pluginDelete, write: true),
    ]
}
