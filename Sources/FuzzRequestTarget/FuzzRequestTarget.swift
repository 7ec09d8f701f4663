import DockgateDocker
import DockgateFuzzSupport
import DockgatePolicy

/// The request-target canonicalizer (THREATS H-17…H-26) and the head-stage policy on hostile
/// request lines. The input is `METHOD SP target`. A canonical request must be well formed, and
/// the policy must decide it, with and without a body, without trapping.
func fuzzRequestTarget(_ bytes: [UInt8]) {
    let space = bytes.firstIndex(of: UInt8(ascii: " ")) ?? bytes.endIndex
    let method = text(bytes[..<space])
    let target = text(bytes[min(space + 1, bytes.endIndex)...])

    let request: CanonicalRequest
    do throws(RequestTargetError) {
        request = try RequestCanonicalizer.canonicalize(method: method, target: target)
    } catch {
        _ = error.message
        return
    }
    require(request.method == method, "method \(request.method) from \(method)")
    require(request.path.utf8.first == UInt8(ascii: "/"), "path \(request.path) is not absolute")
    require(request.path == "/" || request.path.utf8.last != UInt8(ascii: "/"), "path \(request.path) ends in /")
    require(!request.path.contains("//"), "path \(request.path) has an empty segment")
    let again = Result { () throws(RequestTargetError) in try RequestCanonicalizer.canonicalize(method: method, target: target) }
    require(again == .success(request), "canonicalization is not deterministic")

    for (contentLength, isChunked, mediaType) in framings {
        let facts = RequestFacts(request: request, contentLength: contentLength, isChunked: isChunked, contentType: mediaType)
        let verdict = engine.decide(facts)
        if case .inspectBody(let kind) = verdict { _ = engine.decide(body: nil, kind: kind) }
    }
}

let framings: [(UInt64?, Bool, String?)] = [
    (nil, false, nil), (0, false, "application/json"), (100, false, "application/json"), (nil, true, "application/json"),
    (10, false, "application/x-www-form-urlencoded"),
]

/// Restrictive: an image allowlist, no image writes, read-only system access, no host escape.
let engine = PolicyEngine(
    policy: Policy(
        name: "fuzz-restricted",
        endpoints: [.containers: .write, .exec: .write, .images: .write, .volumes: .write, .networks: .read, .system: .read],
        images: [try! ImagePattern("busybox*"), try! ImagePattern("ghcr.io/org/app:1.*")],
        bindMountRoots: ["/srv/dev"]))

#if DOCKGATE_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzRequestTarget(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// `main` for SwiftPM's linker alias (see `runLibFuzzer`).
@_cdecl("FuzzRequestTarget_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzerTestOneInput)
}
#else
/// Without libFuzzer: replay the files given as arguments through the harness.
@main
enum Replay {
    static func main() {
        replayOrExplain(target: "FuzzRequestTarget", harness: fuzzRequestTarget)
    }
}
#endif
