import DockgateDocker
import Testing

@Suite("Route table: method + decoded path → group, action, write flag, object")
struct RouteTableTests {
    static let system: [RoutingTest.ExpectedRoute] = [
        RoutingTest.ExpectedRoute("GET", "/_ping", .system, "ping", write: false),
        RoutingTest.ExpectedRoute("HEAD", "/_ping", .system, "ping", write: false),
        RoutingTest.ExpectedRoute("GET", "/v1.41/_ping", .system, "ping", write: false),
        RoutingTest.ExpectedRoute("GET", "/version", .system, "version", write: false),
        RoutingTest.ExpectedRoute("GET", "/info", .system, "info", write: false),
        RoutingTest.ExpectedRoute("GET", "/system/df", .system, "df", write: false),
        RoutingTest.ExpectedRoute("GET", "/events", .events, "events", write: false),
        RoutingTest.ExpectedRoute("POST", "/auth", .distribution, "auth", write: true),
        RoutingTest.ExpectedRoute("GET", "/distribution/registry.example:5000/team/app/json", .distribution, "distribution.inspect",
                      write: false, object: "registry.example:5000/team/app"),
    ]

    static let containers: [RoutingTest.ExpectedRoute] = [
        RoutingTest.ExpectedRoute("GET", "/containers/json", .containers, "container.list", write: false),
        RoutingTest.ExpectedRoute("POST", "/containers/create", .containers, "container.create", write: true),
        RoutingTest.ExpectedRoute("GET", "/containers/abc/json", .containers, "container.inspect", write: false, object: "abc"),
        RoutingTest.ExpectedRoute("GET", "/containers/abc/top", .containers, "container.top", write: false, object: "abc"),
        RoutingTest.ExpectedRoute("GET", "/containers/abc/logs", .containers, "container.logs", write: false, object: "abc"),
        RoutingTest.ExpectedRoute("GET", "/containers/abc/changes", .containers, "container.changes", write: false, object: "abc"),
        RoutingTest.ExpectedRoute("GET", "/containers/abc/export", .containers, "container.export", write: false, object: "abc"),
        RoutingTest.ExpectedRoute("GET", "/containers/abc/stats", .containers, "container.stats", write: false, object: "abc"),
        RoutingTest.ExpectedRoute("GET", "/containers/abc/archive", .containers, "container.archive.get", write: false, object: "abc"),
        RoutingTest.ExpectedRoute("HEAD", "/containers/abc/archive", .containers, "container.archive.stat", write: false, object: "abc"),
        RoutingTest.ExpectedRoute("PUT", "/containers/abc/archive", .containers, "container.archive.put", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("GET", "/containers/abc/attach/ws", .containers, "container.attach.ws", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/start", .containers, "container.start", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/stop", .containers, "container.stop", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/restart", .containers, "container.restart", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/kill", .containers, "container.kill", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/pause", .containers, "container.pause", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/unpause", .containers, "container.unpause", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/rename", .containers, "container.rename", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/update", .containers, "container.update", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/resize", .containers, "container.resize", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/wait", .containers, "container.wait", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/attach", .containers, "container.attach", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/abc/exec", .exec, "exec.create", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("DELETE", "/containers/abc", .containers, "container.delete", write: true, object: "abc"),
        RoutingTest.ExpectedRoute("POST", "/containers/prune", .containers, "container.prune", write: true),
        RoutingTest.ExpectedRoute("POST", "/commit", .images, "image.commit", write: true),
        // A container named like a fixed word is still an object (gorilla's order).
        RoutingTest.ExpectedRoute("GET", "/containers/create/json", .containers, "container.inspect", write: false, object: "create"),
        RoutingTest.ExpectedRoute("POST", "/containers/prune/start", .containers, "container.start", write: true, object: "prune"),
        RoutingTest.ExpectedRoute("DELETE", "/containers/json", .containers, "container.delete", write: true, object: "json"),
    ]

    static let exec: [RoutingTest.ExpectedRoute] = [
        RoutingTest.ExpectedRoute("POST", "/exec/e1/start", .exec, "exec.start", write: true, object: "e1"),
        RoutingTest.ExpectedRoute("POST", "/exec/e1/resize", .exec, "exec.resize", write: true, object: "e1"),
        RoutingTest.ExpectedRoute("GET", "/exec/e1/json", .exec, "exec.inspect", write: false, object: "e1"),
    ]

    static let images: [RoutingTest.ExpectedRoute] = [
        RoutingTest.ExpectedRoute("GET", "/images/json", .images, "image.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/images/search", .images, "image.search", write: false),
        RoutingTest.ExpectedRoute("GET", "/images/get", .images, "image.get", write: false),
        RoutingTest.ExpectedRoute("GET", "/images/busybox/get", .images, "image.get", write: false, object: "busybox"),
        RoutingTest.ExpectedRoute("GET", "/images/busybox/history", .images, "image.history", write: false, object: "busybox"),
        RoutingTest.ExpectedRoute("GET", "/images/busybox/json", .images, "image.inspect", write: false, object: "busybox"),
        RoutingTest.ExpectedRoute("GET", "/images/x/json", .images, "image.inspect", write: false, object: "x"),
        RoutingTest.ExpectedRoute("GET", "/images/library/busybox:1.36/json", .images, "image.inspect", write: false, object: "library/busybox:1.36"),
        RoutingTest.ExpectedRoute("GET", "/images/busybox%40sha256:abc123/json", .images, "image.inspect", write: false,
                      object: "busybox@sha256:abc123"),
        RoutingTest.ExpectedRoute("GET", "/images/x/get/json", .images, "image.inspect", write: false, object: "x/get"),
        RoutingTest.ExpectedRoute("POST", "/images/create", .images, "image.pull", write: true),
        RoutingTest.ExpectedRoute("POST", "/images/load", .images, "image.load", write: true),
        RoutingTest.ExpectedRoute("POST", "/images/prune", .images, "image.prune", write: true),
        RoutingTest.ExpectedRoute("POST", "/images/library/busybox/tag", .images, "image.tag", write: true, object: "library/busybox"),
        RoutingTest.ExpectedRoute("POST", "/images/registry:5000/a/b/push", .images, "image.push", write: true, object: "registry:5000/a/b"),
        RoutingTest.ExpectedRoute("POST", "/images/create/tag", .images, "image.tag", write: true, object: "create"),
        RoutingTest.ExpectedRoute("DELETE", "/images/busybox", .images, "image.delete", write: true, object: "busybox"),
        RoutingTest.ExpectedRoute("DELETE", "/images/x/json", .images, "image.delete", write: true, object: "x/json"),
        RoutingTest.ExpectedRoute("DELETE", "/images/busybox%40sha256:abc", .images, "image.delete", write: true, object: "busybox@sha256:abc"),
    ]

    static let buildAndSession: [RoutingTest.ExpectedRoute] = [
        RoutingTest.ExpectedRoute("POST", "/build", .build, "build", write: true),
        RoutingTest.ExpectedRoute("POST", "/build/prune", .build, "build.prune", write: true),
        RoutingTest.ExpectedRoute("POST", "/build/cancel", .build, "build.cancel", write: true),
        RoutingTest.ExpectedRoute("POST", "/session", .session, "session", write: true),
        RoutingTest.ExpectedRoute("POST", "/grpc", .session, "grpc", write: true),
    ]

    static let volumesAndNetworks: [RoutingTest.ExpectedRoute] = [
        RoutingTest.ExpectedRoute("GET", "/volumes", .volumes, "volume.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/volumes/v1", .volumes, "volume.inspect", write: false, object: "v1"),
        RoutingTest.ExpectedRoute("POST", "/volumes/create", .volumes, "volume.create", write: true),
        RoutingTest.ExpectedRoute("POST", "/volumes/prune", .volumes, "volume.prune", write: true),
        RoutingTest.ExpectedRoute("DELETE", "/volumes/v1", .volumes, "volume.delete", write: true, object: "v1"),
        RoutingTest.ExpectedRoute("PUT", "/volumes/v1", .volumes, "volume.update", write: true, object: "v1"),
        RoutingTest.ExpectedRoute("GET", "/networks", .networks, "network.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/networks/n1", .networks, "network.inspect", write: false, object: "n1"),
        RoutingTest.ExpectedRoute("POST", "/networks/create", .networks, "network.create", write: true),
        RoutingTest.ExpectedRoute("POST", "/networks/n1/connect", .networks, "network.connect", write: true, object: "n1"),
        RoutingTest.ExpectedRoute("POST", "/networks/n1/disconnect", .networks, "network.disconnect", write: true, object: "n1"),
        RoutingTest.ExpectedRoute("POST", "/networks/prune", .networks, "network.prune", write: true),
        RoutingTest.ExpectedRoute("DELETE", "/networks/n1", .networks, "network.delete", write: true, object: "n1"),
    ]

    static let swarmSecretsPlugins: [RoutingTest.ExpectedRoute] = [
        RoutingTest.ExpectedRoute("GET", "/swarm", .swarm, "swarm.inspect", write: false),
        RoutingTest.ExpectedRoute("GET", "/swarm/unlockkey", .swarm, "swarm.unlockkey", write: false),
        RoutingTest.ExpectedRoute("POST", "/swarm/init", .swarm, "swarm.init", write: true),
        RoutingTest.ExpectedRoute("POST", "/swarm/join", .swarm, "swarm.join", write: true),
        RoutingTest.ExpectedRoute("POST", "/swarm/leave", .swarm, "swarm.leave", write: true),
        RoutingTest.ExpectedRoute("POST", "/swarm/update", .swarm, "swarm.update", write: true),
        RoutingTest.ExpectedRoute("POST", "/swarm/unlock", .swarm, "swarm.unlock", write: true),
        RoutingTest.ExpectedRoute("GET", "/services", .swarm, "service.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/services/s1", .swarm, "service.inspect", write: false, object: "s1"),
        RoutingTest.ExpectedRoute("GET", "/services/s1/logs", .swarm, "service.logs", write: false, object: "s1"),
        RoutingTest.ExpectedRoute("POST", "/services/create", .swarm, "service.create", write: true),
        RoutingTest.ExpectedRoute("POST", "/services/s1/update", .swarm, "service.update", write: true, object: "s1"),
        RoutingTest.ExpectedRoute("DELETE", "/services/s1", .swarm, "service.delete", write: true, object: "s1"),
        RoutingTest.ExpectedRoute("GET", "/nodes", .swarm, "node.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/nodes/n1", .swarm, "node.inspect", write: false, object: "n1"),
        RoutingTest.ExpectedRoute("POST", "/nodes/n1/update", .swarm, "node.update", write: true, object: "n1"),
        RoutingTest.ExpectedRoute("DELETE", "/nodes/n1", .swarm, "node.delete", write: true, object: "n1"),
        RoutingTest.ExpectedRoute("GET", "/tasks", .swarm, "task.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/tasks/t1", .swarm, "task.inspect", write: false, object: "t1"),
        RoutingTest.ExpectedRoute("GET", "/tasks/t1/logs", .swarm, "task.logs", write: false, object: "t1"),
        RoutingTest.ExpectedRoute("GET", "/secrets", .secrets, "secret.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/secrets/s1", .secrets, "secret.inspect", write: false, object: "s1"),
        RoutingTest.ExpectedRoute("POST", "/secrets/create", .secrets, "secret.create", write: true),
        RoutingTest.ExpectedRoute("POST", "/secrets/s1/update", .secrets, "secret.update", write: true, object: "s1"),
        RoutingTest.ExpectedRoute("DELETE", "/secrets/s1", .secrets, "secret.delete", write: true, object: "s1"),
        RoutingTest.ExpectedRoute("GET", "/configs", .secrets, "config.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/configs/c1", .secrets, "config.inspect", write: false, object: "c1"),
        RoutingTest.ExpectedRoute("POST", "/configs/create", .secrets, "config.create", write: true),
        RoutingTest.ExpectedRoute("POST", "/configs/c1/update", .secrets, "config.update", write: true, object: "c1"),
        RoutingTest.ExpectedRoute("DELETE", "/configs/c1", .secrets, "config.delete", write: true, object: "c1"),
        RoutingTest.ExpectedRoute("GET", "/plugins", .plugins, "plugin.list", write: false),
        RoutingTest.ExpectedRoute("GET", "/plugins/privileges", .plugins, "plugin.privileges", write: false),
        RoutingTest.ExpectedRoute("GET", "/plugins/vieux/sshfs:latest/json", .plugins, "plugin.inspect", write: false, object: "vieux/sshfs:latest"),
        RoutingTest.ExpectedRoute("POST", "/plugins/pull", .plugins, "plugin.pull", write: true),
        RoutingTest.ExpectedRoute("POST", "/plugins/create", .plugins, "plugin.create", write: true),
        RoutingTest.ExpectedRoute("POST", "/plugins/vieux/sshfs/enable", .plugins, "plugin.enable", write: true, object: "vieux/sshfs"),
        RoutingTest.ExpectedRoute("POST", "/plugins/vieux/sshfs/disable", .plugins, "plugin.disable", write: true, object: "vieux/sshfs"),
        RoutingTest.ExpectedRoute("POST", "/plugins/p/push", .plugins, "plugin.push", write: true, object: "p"),
        RoutingTest.ExpectedRoute("POST", "/plugins/p/upgrade", .plugins, "plugin.upgrade", write: true, object: "p"),
        RoutingTest.ExpectedRoute("POST", "/plugins/p/set", .plugins, "plugin.set", write: true, object: "p"),
        RoutingTest.ExpectedRoute("DELETE", "/plugins/vieux/sshfs", .plugins, "plugin.delete", write: true, object: "vieux/sshfs"),
    ]

    /// System, events, ping and distribution endpoints map to their groups (L-02, L-06, I-09).
    @Test(arguments: system) func systemRoutes(_ expected: RoutingTest.ExpectedRoute) throws {
        #expect(try RoutingTest.route(expected.method, expected.target) == expected.route)
    }

    /// Container endpoints, with attach/ws a write and exec create in the exec group (X-03…X-12).
    @Test(arguments: containers) func containerRoutes(_ expected: RoutingTest.ExpectedRoute) throws {
        #expect(try RoutingTest.route(expected.method, expected.target) == expected.route)
    }

    /// Exec instance endpoints carry the exec id.
    @Test(arguments: exec) func execRoutes(_ expected: RoutingTest.ExpectedRoute) throws {
        #expect(try RoutingTest.route(expected.method, expected.target) == expected.route)
    }

    /// Image names are greedy and suffix-anchored, as gorilla's `{name:.*}` (H-22, I-05…I-10).
    @Test(arguments: images) func imageRoutes(_ expected: RoutingTest.ExpectedRoute) throws {
        #expect(try RoutingTest.route(expected.method, expected.target) == expected.route)
    }

    /// Build, prune, cancel, and the BuildKit session tunnels (B-06, B-08).
    @Test(arguments: buildAndSession) func buildRoutes(_ expected: RoutingTest.ExpectedRoute) throws {
        #expect(try RoutingTest.route(expected.method, expected.target) == expected.route)
    }

    /// Volume and network endpoints (M-06, M-07, W-08, NW-01…NW-04).
    @Test(arguments: volumesAndNetworks) func volumeAndNetworkRoutes(_ expected: RoutingTest.ExpectedRoute) throws {
        #expect(try RoutingTest.route(expected.method, expected.target) == expected.route)
    }

    /// Swarm, secrets/configs and plugin endpoints; plugin names are greedy (W-01…W-08, P-01…P-05).
    @Test(arguments: swarmSecretsPlugins) func swarmSecretAndPluginRoutes(_ expected: RoutingTest.ExpectedRoute) throws {
        #expect(try RoutingTest.route(expected.method, expected.target) == expected.route)
    }

    /// Every route is the same with and without a version prefix (PROTOCOL §7.2).
    @Test func versionedMatchesUnversioned() throws {
        let all = Self.system + Self.containers + Self.exec + Self.images + Self.buildAndSession
            + Self.volumesAndNetworks + Self.swarmSecretsPlugins
        for expected in all where !expected.target.hasPrefix("/v1.") {
            #expect(try RoutingTest.route(expected.method, "/v1.44" + expected.target) == expected.route, "\(expected)")
        }
    }

    /// OPTIONS is the CORS catch-all for any path, never access to that path (L-05).
    @Test func optionsCatchAll() throws {
        let options = DockerRoute(group: .system, action: .options, isWrite: false)
        #expect(try RoutingTest.route("OPTIONS", "/containers/create") == options)
        #expect(try RoutingTest.route("OPTIONS", "/v1.41/secrets/s1") == options)
        #expect(try RoutingTest.route("OPTIONS", "/no/such/thing") == options)
        #expect(try RoutingTest.route("OPTIONS", "/") == options)
    }

    /// `/debug/...` is the debug route for every method and prefix, OPTIONS included, so it is always denied (L-04).
    @Test func debugAnyMethod() throws {
        let debug = DockerRoute(group: .system, action: .debug, isWrite: true)
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
            #expect(try RoutingTest.route(method, "/debug/pprof/cmdline") == debug)
        }
        #expect(try RoutingTest.route("GET", "/v1.41/debug/vars") == debug)
        #expect(try RoutingTest.route("GET", "/debug") == debug)
    }

    /// HEAD matches only /_ping and /containers/{id}/archive, where dockerd registers it.
    @Test func headOnlyWhereRegistered() throws {
        #expect(try RoutingTest.route("HEAD", "/containers/json") == nil)
        #expect(try RoutingTest.route("HEAD", "/version") == nil)
        #expect(try RoutingTest.route("HEAD", "/images/busybox/json") == nil)
    }

    /// Routing is case-sensitive and strict: wrong case, wrong method or extra segments are no route (H-21).
    @Test func unknownRoutes() throws {
        #expect(try RoutingTest.route("GET", "/CONTAINERS/json") == nil)
        #expect(try RoutingTest.route("POST", "/Containers/create") == nil)
        #expect(try RoutingTest.route("GET", "/containers/create") == nil)
        #expect(try RoutingTest.route("PATCH", "/containers/abc") == nil)
        #expect(try RoutingTest.route("POST", "/containers/a/b/start") == nil)
        #expect(try RoutingTest.route("GET", "/containers/abc/attach") == nil)
        #expect(try RoutingTest.route("POST", "/containers/abc/copy") == nil)
        #expect(try RoutingTest.route("GET", "/") == nil)
        #expect(try RoutingTest.route("GET", "/v1.41") == nil)
        #expect(try RoutingTest.route("GET", "/images") == nil)
        #expect(try RoutingTest.route("POST", "/images/busybox/pull") == nil)
        #expect(try RoutingTest.route("GET", "/exec/e1") == nil)
        #expect(try RoutingTest.route("POST", "/plugins/p/pull") == nil)
        #expect(try RoutingTest.route("GET", "/volumes/a/b") == nil)
    }

    /// Every group has at least one route, so no group name is unreachable.
    @Test func everyGroupReachable() throws {
        let all = Self.system + Self.containers + Self.exec + Self.images + Self.buildAndSession
            + Self.volumesAndNetworks + Self.swarmSecretsPlugins
        #expect(Set(all.map(\.group.rawValue)) == Set(EndpointGroup.allCases.map(\.rawValue)))
    }
}
