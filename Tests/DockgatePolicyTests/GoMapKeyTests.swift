import DockgateDocker
import DockgatePolicy
import Testing

/// Go maps keep keys exactly (THREATS G-16): `team` and `Team` are two labels, not a duplicate
/// field, in every map-typed member of every body dockgate reads.
@Test(arguments: [
    ("/v1.41/containers/create", #"{"Image":"busybox","Labels":{"team":"a","Team":"b"}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"1m","Max-Size":"2m"}}}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","HostConfig":{"Tmpfs":{"/run":"","/RUN":""}}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","ExposedPorts":{"80/tcp":{},"80/TCP":{}}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","HostConfig":{"Mounts":[{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"Labels":{"a":"1","A":"2"}}}]}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"net":{"DriverOpts":{"k":"1","K":"2"}},"Net":{}}}}"#),
    ("/v1.41/volumes/create", #"{"Name":"v","Labels":{"team":"a","Team":"b"},"DriverOpts":{"size":"1","Size":"2"}}"#),
    ("/v1.41/networks/create", #"{"Name":"n","Labels":{"team":"a","TEAM":"b"}}"#),
])
func readsMapKeysExactly(target: String, body: String) {
    let decision = decide(Policies.developer, "POST", target, body: body)
    #expect(decision.status != 400, "\(body): \(decision)")
}

/// Struct members still fold: two spellings of one field are refused, also inside a map's values
/// (`EndpointsConfig.<name>` is an EndpointSettings struct) and inside an element of a list of structs.
@Test(arguments: [
    ("/v1.41/containers/create", #"{"Image":"busybox","HostConfig":{"Privileged":false,"privileged":true}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"json-file","type":"syslog"}}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"net":{"Aliases":["a"],"aliases":["b"]}}}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","HostConfig":{"Mounts":[{"Type":"tmpfs","Target":"/t","target":"/proc"}]}}"#),
    ("/v1.41/containers/create", #"{"Image":"busybox","Labels":{"a":"1","a":"2"}}"#),
])
func stillRefusesFoldedStructFields(target: String, body: String) {
    let decision = decide(Policies.developer, "POST", target, body: body)
    #expect(decision.status == 400, "\(body): \(decision)")
}

/// docker-py ≤ 7 sends `Container` in an exec create body; dockerd ignores it.
@Test func acceptsDockerPyExecBody() {
    let body = #"{"AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"Privileged":false,"User":"","Cmd":["echo","hi"],"Container":"c1","Env":null,"WorkingDir":null}"#
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/c1/exec", body: body).isAllowed)
    let privileged = #"{"Cmd":["sh"],"Container":"c1","Privileged":true}"#
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/c1/exec", body: privileged).rule == "host-escape/privileged-exec")
}

/// Whatever the spelling, a body that Go's `mime.ParseMediaType` reads as a form is refused on every
/// route (THREATS I-02); one it does not is judged as usual.
@Test(arguments: [
    "application/x-www-form-urlencoded", "Application/X-WWW-Form-URLEncoded", " application/x-www-form-urlencoded ",
    "\tapplication/x-www-form-urlencoded;charset=utf-8", "application/x-www-form-urlencoded; =broken", "multipart/form-data; boundary=x",
    "MULTIPART/FORM-DATA",
])
func refusesFormBodies(contentType: String) {
    for target in ["/v1.41/images/create?fromImage=busybox", "/v1.41/build?t=busybox", "/v1.41/containers/c1/start", "/v1.41/containers/c1/kill"] {
        let decision = decide(Policies.admin, "POST", target, body: "fromSrc=http://x/y", contentType: contentType)
        #expect(decision.status == 400 && decision.rule != "", "\(contentType) on \(target): \(decision)")
    }
    #expect(MediaType.isForm(contentType: contentType))
}

@Test(arguments: [nil, "", "application/json", "application/x-tar", "text/plain", "application/x-www-form-urlencodedx", "application/x-www-form"])
func judgesOtherBodies(contentType: String?) {
    #expect(!MediaType.isForm(contentType: contentType))
}

/// The refusal tells curl users what to send instead (dockerd gives the same hint).
@Test func formRefusalHasAHint() {
    let decision = decide(Policies.admin, "POST", "/v1.41/containers/create", body: "a=b", contentType: "application/x-www-form-urlencoded")
    guard case .deny(_, let reason, _) = decision else {
        Issue.record("expected a denial, got \(decision)")
        return
    }
    #expect(reason.contains("send Content-Type: application/json"))
}
