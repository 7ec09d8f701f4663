import DockgateDocker
import DockgatePolicy
import Testing

/// Every "no host escape" vector in a container create is denied for the developer policy, with
/// the rule that names it (THREATS §1.1–§1.5).
@Test(arguments: [
    ("{\"Privileged\":true}", "host-escape/privileged"),
    ("{\"CapAdd\":[\"SYS_ADMIN\"]}", "host-escape/capabilities"),
    ("{\"CapAdd\":[\"cap_sys_admin\"]}", "host-escape/capabilities"),
    ("{\"CapAdd\":[\"ALL\"]}", "host-escape/capabilities"),
    ("{\"CapAdd\":[\"ſyſ_admın\"]}", "host-escape/capabilities"),
    ("{\"Devices\":[{\"PathOnHost\":\"/dev/sda\",\"PathInContainer\":\"/dev/sda\",\"CgroupPermissions\":\"rwm\"}]}", "host-escape/devices"),
    ("{\"DeviceRequests\":[{\"Driver\":\"nvidia\",\"Count\":-1}]}", "host-escape/devices"),
    ("{\"DeviceCgroupRules\":[\"b *:* rwm\"]}", "host-escape/devices"),
    ("{\"NetworkMode\":\"host\"}", "host-escape/network"),
    ("{\"NetworkMode\":\"container:abc\"}", "host-escape/network"),
    ("{\"PidMode\":\"host\"}", "host-escape/namespaces"),
    ("{\"PidMode\":\"container:abc\"}", "host-escape/namespaces"),
    ("{\"IpcMode\":\"host\"}", "host-escape/namespaces"),
    ("{\"UTSMode\":\"host\"}", "host-escape/namespaces"),
    ("{\"UsernsMode\":\"host\"}", "host-escape/namespaces"),
    ("{\"CgroupnsMode\":\"host\"}", "host-escape/namespaces"),
    ("{\"SecurityOpt\":[\"seccomp=unconfined\"]}", "host-escape/security-opt"),
    ("{\"SecurityOpt\":[\"seccomp:unconfined\"]}", "host-escape/security-opt"),
    ("{\"SecurityOpt\":[\"apparmor=unconfined\"]}", "host-escape/security-opt"),
    ("{\"SecurityOpt\":[\"label=disable\"]}", "host-escape/security-opt"),
    ("{\"SecurityOpt\":[\"systempaths=unconfined\"]}", "host-escape/security-opt"),
    ("{\"SecurityOpt\":[\"no-new-privileges=false\"]}", "host-escape/security-opt"),
    ("{\"MaskedPaths\":[]}", "host-escape/system-paths"),
    ("{\"ReadonlyPaths\":[]}", "host-escape/system-paths"),
    ("{\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"}}", "host-escape/sysctls"),
    ("{\"CgroupParent\":\"/\"}", "host-escape/cgroup-parent"),
    ("{\"Runtime\":\"io.containerd.runsc.v1\"}", "host-escape/runtime"),
    ("{\"Binds\":[\"/:/host\"]}", "host-escape/bind-mount"),
    ("{\"Binds\":[\"/var/run/docker.sock:/s\"]}", "host-escape/bind-mount"),
    ("{\"Binds\":[\"/etc:/e:ro\"]}", "host-escape/bind-mount"),
    ("{\"Binds\":[\"/srv/dev/../../etc:/e\"]}", "host-escape/bind-mount"),
    ("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/h\"}]}", "host-escape/bind-mount"),
    ("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/dev/x\",\"Target\":\"/h\",\"BindOptions\":{\"Propagation\":\"rshared\"}}]}", "host-escape/bind-mount"),
    ("{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/h\",\"VolumeOptions\":{\"DriverConfig\":{\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}}}]}", "host-escape/volume-options"),
    ("{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/h\",\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"evil\"}}}]}", "host-escape/volume-driver"),
    ("{\"Mounts\":[{\"Type\":\"npipe\",\"Source\":\"x\",\"Target\":\"/h\"}]}", "host-escape/mount-type"),
    ("{\"VolumeDriver\":\"evil\"}", "host-escape/volume-driver"),
    ("{\"LogConfig\":{\"Type\":\"syslog\",\"Config\":{}}}", "host-escape/log-driver"),
    ("{\"OomKillDisable\":true}", "host-escape/oom"),
    ("{\"OomScoreAdj\":-1000}", "host-escape/oom"),
    ("{\"Capabilities\":[\"CAP_SYS_ADMIN\"]}", "host-escape/capabilities"),
    ("{\"Annotations\":{\"a\":\"b\"}}", "host-escape/annotations"),
    ("{\"FutureEscapeHatch\":true}", "request/unknown-field"),
])
func deniesHostEscape(hostConfig: String, rule: String) {
    let decision = decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(hostConfig: hostConfig))
    #expect(decision.rule == rule, "\(hostConfig): \(decision)")
    #expect(!decision.isAllowed)
}

/// A plain busybox container with harmless settings, a named volume and a bind under the allowed root passes.
@Test func allowsAnOrdinaryContainer() {
    let hostConfig = """
        {"Binds":["data:/data","/srv/dev/project:/src:ro"],"NetworkMode":"default","CapDrop":["ALL"],
         "SecurityOpt":["no-new-privileges"],"RestartPolicy":{"Name":"no","MaximumRetryCount":0},
         "LogConfig":{"Type":"json-file","Config":{}},"ConsoleSize":[0,0],"MaskedPaths":null,"Memory":0,
         "Mounts":[{"Type":"bind","Source":"/srv/dev","Target":"/w"},{"Type":"tmpfs","Target":"/t"}]}
        """
    let decision = decide(Policies.developer, "POST", "/v1.41/containers/create?name=c1", body: createBody(hostConfig: hostConfig))
    #expect(decision.isAllowed, "\(decision)")
}

/// The administrator may do what the developer may not.
@Test func adminMayRunPrivileged() {
    let body = createBody(image: "evil/tool", hostConfig: "{\"Privileged\":true,\"Binds\":[\"/:/host\"],\"PidMode\":\"host\"}")
    #expect(decide(Policies.admin, "POST", "/v1.41/containers/create", body: body).isAllowed)
}

/// Symlinks inside an allowed root are followed as dockerd will (THREATS M-02).
@Test func resolvesSymlinksInBindSources() {
    struct PlantedLink: HostPathResolver {
        func resolve(_ path: String) -> HostPathResolution {
            .resolved(path.hasPrefix("/srv/dev/root") ? "/" + path.dropFirst("/srv/dev/root".count) : path)
        }
    }
    let body = createBody(hostConfig: "{\"Binds\":[\"/srv/dev/root/etc:/e\"]}")
    let decision = decide(Policies.developer, "POST", "/containers/create", body: body, resolver: PlantedLink())
    #expect(decision.rule == "host-escape/bind-mount")
}

/// Exec, volume and network creation carry their own escape hatches (THREATS X-01, M-06, NW-01).
@Test(arguments: [
    ("/v1.41/containers/abc/exec", "{\"Privileged\":true,\"Cmd\":[\"sh\"]}", "host-escape/privileged-exec"),
    ("/v1.41/containers/abc/exec", "{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/proc/self/fd/7\"}", "host-escape/working-dir"),
    ("/v1.41/volumes/create", "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}", "host-escape/volume-options"),
    ("/v1.41/volumes/create", "{\"Name\":\"v\",\"Driver\":\"\",\"DriverOpts\":{\"device\":\"/dev/sda1\"}}", "host-escape/volume-options"),
    ("/v1.41/volumes/create", "{\"Name\":\"v\",\"Driver\":\"sshfs\"}", "host-escape/volume-driver"),
])
func deniesOtherCreateVectors(path: String, body: String, rule: String) {
    #expect(decide(Policies.developer, "POST", path, body: body).rule == rule)
}

/// The legacy shapes: HostConfig fields at the top level, and a configuration body on start (THREATS V-01, V-02).
@Test func deniesLegacyShapes() {
    let topLevel = "{\"Image\":\"busybox\",\"Privileged\":true,\"Binds\":[\"/:/h\"]}"
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/create", body: topLevel).rule == "host-escape/legacy-shape")
    let start = decide(Policies.developer, "POST", "/v1.41/containers/abc/start", body: "{\"Binds\":[\"/:/host\"]}")
    #expect(start.rule == "host-escape/legacy-start-body")
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/abc/start", body: "{\"Privileged\":true}", chunked: true).rule
        == "host-escape/legacy-start-body")
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/abc/start").isAllowed)
}

/// Plugins, swarm control, BuildKit tunnels and host-network builds are refused to non-privileged policies.
@Test(arguments: [
    ("POST", "/v1.41/plugins/pull?remote=evil/plugin"),
    ("POST", "/v1.41/plugins/evil/enable"),
    ("POST", "/v1.41/swarm/init"),
    ("POST", "/v1.41/swarm/join"),
    ("POST", "/v1.41/services/create"),
    ("POST", "/session"),
    ("POST", "/grpc"),
])
func deniesHostControlEndpoints(method: String, target: String) {
    let everything = Policy(
        name: "everything-but-privileged",
        endpoints: Dictionary(uniqueKeysWithValues: EndpointGroup.allCases.map { ($0, .write) }))
    #expect(!decide(everything, method, target, body: "{}").isAllowed)
    #expect(decide(Policies.admin, method, target, body: "{}").isAllowed)
}

/// Builds with host networking or other host-reaching parameters are refused (THREATS B-01…B-03).
@Test func deniesHostReachingBuilds() {
    let builder = Policy(name: "builder", endpoints: [.build: .write])
    #expect(decide(builder, "POST", "/v1.41/build?t=x&networkmode=host", contentType: "application/x-tar").rule == "host-escape/build-network")
    #expect(decide(builder, "POST", "/v1.41/build?remote=https://example.com/x.git").rule == "host-escape/build")
    #expect(decide(builder, "POST", "/v1.41/build?t=x&networkmode=default").isAllowed)
}

/// A container update may not add what create could not: devices, a cgroup parent, an OOM-killer
/// exemption (THREATS R-05); ordinary resource changes pass.
@Test func judgesContainerUpdates() {
    for body in [
        "{\"Devices\":[{\"PathOnHost\":\"/dev/sda\",\"PathInContainer\":\"/dev/sda\",\"CgroupPermissions\":\"rwm\"}]}",
        "{\"CgroupParent\":\"/\"}", "{\"OomKillDisable\":true}", "{\"Privileged\":true}",
    ] {
        #expect(!decide(Policies.developer, "POST", "/v1.41/containers/abc/update", body: body).isAllowed, "\(body)")
    }
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/abc/update", body: "{\"Memory\":67108864,\"RestartPolicy\":{\"Name\":\"no\"}}").isAllowed)
}

/// Services are refused to an image-restricted policy even when it may run privileged, because
/// the allowlist cannot see a service's image.
@Test func servicesObeyTheImageAllowlist() {
    var privilegedButImageRestricted = Policies.admin
    privilegedButImageRestricted.images = [try! ImagePattern("busybox*")]
    #expect(decide(privilegedButImageRestricted, "POST", "/v1.41/services/create", body: "{}").rule == "images/allowlist")
    #expect(decide(Policies.admin, "POST", "/v1.41/services/create", body: "{}").isAllowed)
}
