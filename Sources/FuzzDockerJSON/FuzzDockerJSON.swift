import DockgateDocker
import DockgateFuzzSupport
import DockgatePolicy

/// The Docker JSON inspector on hostile bodies (THREATS §1.15, §2): what the strict reader accepts
/// re-serializes to bytes that read back to the same tree (design rule 3: forward what was judged),
/// the lenient reader agrees with it, and the policy decides the forwarded tree as it decided the
/// original, for every body kind.
func fuzzDockerJSON(_ bytes: [UInt8]) {
    let value: JSONValue
    do throws(JSONReadError) {
        value = try strict.read(bytes)
    } catch {
        _ = error.message
        return
    }
    let forwarded = value.serialized()
    let reread = Result { () throws(JSONReadError) in try strict.read(forwarded) }
    require(reread == .success(value), "re-serialized body reads back as \(reread)")
    require(value.serialized() == forwarded, "serialization is not deterministic")

    let lenient = Result { () throws(JSONReadError) in try StrictJSONReader(rejectFoldedDuplicates: false).read(bytes) }
    require(lenient == .success(value), "the lenient reader read \(lenient)")

    for kind in bodyKinds {
        let decision = engine.decide(body: value, kind: kind)
        require(engine.decide(bodyBytes: bytes, kind: kind) == decision, "bytes and tree decided differently for \(kind)")
        require(engine.decide(bodyBytes: forwarded, kind: kind) == decision, "forwarded body decided differently for \(kind)")
    }
}

let strict = StrictJSONReader()
let bodyKinds: [BodyKind] = [.containerCreate, .containerUpdate, .execCreate, .volumeCreate, .networkCreate, .networkConnect]

/// A restrictive policy in the spirit of config/dockgate.yaml's "developer": an image allowlist,
/// one bind-mount root, one capability, no host escape.
let engine = PolicyEngine(
    policy: Policy(
        name: "fuzz-restricted",
        endpoints: [.containers: .write, .exec: .write, .images: .read, .volumes: .write, .networks: .write],
        images: [try! ImagePattern("busybox*"), try! ImagePattern("ghcr.io/org/app:1.*")],
        bindMountRoots: ["/srv/dev"],
        capabilities: ["CAP_NET_ADMIN"]))

#if DOCKGATE_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzDockerJSON(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// `main` for SwiftPM's linker alias (see `runLibFuzzer`).
@_cdecl("FuzzDockerJSON_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzerTestOneInput)
}
#else
/// Without libFuzzer: replay the files given as arguments through the harness.
@main
enum Replay {
    static func main() {
        replayOrExplain(target: "FuzzDockerJSON", harness: fuzzDockerJSON)
    }
}
#endif
