@testable import DockgateDocker

/// Shared helpers: read text or bytes with a given reader and return the value or the error.
enum JSONTest {
    static let reader = StrictJSONReader()

    static func read(_ text: String, with reader: StrictJSONReader = reader) throws(JSONReadError) -> JSONValue {
        try reader.read(Array(text.utf8))
    }

    static func error(_ bytes: [UInt8], with reader: StrictJSONReader = reader) -> JSONReadError? {
        do {
            _ = try reader.read(bytes)
            return nil
        } catch {
            return error
        }
    }

    static func error(_ text: String, with reader: StrictJSONReader = reader) -> JSONReadError? {
        error(Array(text.utf8), with: reader)
    }

    /// Bytes of `prefix`, then raw `middle` bytes, then `suffix` (to place invalid UTF-8 in a body).
    static func bytes(_ prefix: String, _ middle: [UInt8], _ suffix: String) -> [UInt8] {
        Array(prefix.utf8) + middle + Array(suffix.utf8)
    }

    /// A representative `POST /containers/create` body, as the docker CLI sends it.
    static let containerCreate = #"""
    {"Hostname":"","Domainname":"","User":"1000:1000","AttachStdin":false,"AttachStdout":true,\#
    "AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["A=1","PATH=/usr/bin"],\#
    "Cmd":["sh","-c","echo \"hi\"\n"],"Image":"busybox:1.36","Volumes":{},"WorkingDir":"/work",\#
    "Entrypoint":null,"OnBuild":null,"Labels":{"com.example.team":"a","com.example.Owner":"b"},\#
    "HostConfig":{"Binds":["/srv/dev/alice:/data:ro"],"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},\#
    "NetworkMode":"default","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},\#
    "RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"CapAdd":null,"CapDrop":["ALL"],\#
    "Privileged":false,"SecurityOpt":["no-new-privileges"],"Memory":67108864,"NanoCpus":500000000,\#
    "CpuShares":0,"Sysctls":{},"Mounts":[{"Type":"volume","Source":"cache","Target":"/cache",\#
    "VolumeOptions":{"Labels":{"x":"\u00e9"}}}]},"NetworkingConfig":{"EndpointsConfig":{}},\#
    "StopTimeout":10,"Healthcheck":{"Test":["CMD","true"],"Interval":1.5e9}}
    """#
}
