import DockgateDocker
import DockgatePolicy
import Testing

/// Go's `path.Clean`, byte for byte (the cases of Go's own path_test.go that matter here).
@Test(arguments: [
    ("", "."), ("/", "/"), ("//", "/"), ("//proc/x", "/proc/x"), ("/tmp/../proc/x", "/proc/x"),
    ("/./proc/./self", "/proc/self"), ("/../../proc", "/proc"), ("a/b/../..", "."), ("a/../../b", "../b"),
    ("/a/b/", "/a/b"), ("abc//def//ghi", "abc/def/ghi"), ("/abc/def/../../..", "/"), ("../../abc", "../../abc"),
])
func cleansLikeGo(input: String, cleaned: String) {
    #expect(GoPath.clean(input).utf8.elementsEqual(cleaned.utf8), "\(input) → \(GoPath.clean(input))")
}

/// WorkingDir is judged after Go's cleaning, and /dev/fd and /dev/std* count as /proc/self/fd
/// (CVE-2024-21626), in a create and in an exec.
@Test(arguments: [
    "/proc/self/fd/7", "//proc/self/fd/7", "/tmp/../proc/self/fd/7", "/./proc", "/proc/", "/dev/fd/7", "//dev//fd",
    "/dev/stdin", "/dev/stdout/..", "/dev/stderr/", "/x/../../dev/fd/8", "proc/self/fd/7", "../proc",
])
func refusesWorkingDirectoriesThatReachProc(directory: String) {
    let quoted = "\"" + directory + "\""
    let create = decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(extra: "\"WorkingDir\":\(quoted)"))
    #expect(create.rule == "host-escape/working-dir", "\(directory): \(create)")
    let exec = decide(Policies.developer, "POST", "/v1.41/containers/c1/exec", body: "{\"Cmd\":[\"ls\"],\"WorkingDir\":\(quoted)}")
    #expect(exec.rule == "host-escape/working-dir", "\(directory): \(exec)")
}

@Test(arguments: ["/", "/work", "/procfs", "/dev/shm", "/devices", "/tmp/proc"])
func allowsOrdinaryWorkingDirectories(directory: String) {
    let quoted = "\"" + directory + "\""
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(extra: "\"WorkingDir\":\(quoted)")).isAllowed)
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/c1/exec", body: "{\"Cmd\":[\"ls\"],\"WorkingDir\":\(quoted)}").isAllowed)
}

/// Mount targets over the container's /proc, /sys or /dev are refused however they are spelled,
/// in every field that names one.
@Test(arguments: [
    "{\"Binds\":[\"data:/proc/sys\"]}", "{\"Binds\":[\"data://proc\"]}", "{\"Binds\":[\"/srv/dev/x:/tmp/../sys/kernel:ro\"]}",
    "{\"Binds\":[\"/dev/fd\"]}", "{\"Tmpfs\":{\"/proc/sys/kernel\":\"\"}}", "{\"Tmpfs\":{\"//dev\":\"size=1m\"}}",
    "{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/./proc/self/attr\"}]}",
    "{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/sys/fs/cgroup\"}]}",
    "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/dev\",\"Target\":\"/dev/console\"}]}",
    "{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"relative\"}]}",
])
func refusesMountTargetsOverSystemFolders(hostConfig: String) {
    let decision = decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(hostConfig: hostConfig))
    #expect(decision.rule == "host-escape/mount-target", "\(hostConfig): \(decision)")
}

@Test func refusesAnonymousVolumesOverProc() {
    let decision = decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(extra: "\"Volumes\":{\"//proc/x\":{}}"))
    #expect(decision.rule == "host-escape/mount-target", "\(decision)")
}

@Test func allowsOrdinaryMountTargets() {
    let hostConfig = """
        {"Binds":["data:/data","/srv/dev/p:/src:ro","/anon"],"Tmpfs":{"/run":"","/dev/shm":"size=64m"},
         "Mounts":[{"Type":"tmpfs","Target":"/cache"},{"Type":"volume","Source":"v","Target":"/var/lib/x"}]}
        """
    let decision = decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(hostConfig: hostConfig, extra: "\"Volumes\":{\"/v\":{}}"))
    #expect(decision.isAllowed, "\(decision)")
}

/// Propagation other than private keeps the container's mounts tied to the host's, either way.
@Test(arguments: ["shared", "rshared", "slave", "rslave", "Shared", "r\u{0073}hared\u{0301}"])
func refusesNonPrivatePropagationInMounts(propagation: String) {
    let hostConfig = "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/dev/x\",\"Target\":\"/h\",\"BindOptions\":{\"Propagation\":\"\(propagation)\"}}]}"
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(hostConfig: hostConfig)).rule == "host-escape/bind-mount")
}
