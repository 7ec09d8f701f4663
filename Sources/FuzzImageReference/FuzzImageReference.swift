import DockgateDocker
import DockgateFuzzSupport

/// The image-reference parsers on hostile names (THREATS §3). The input is `image` or
/// `image\ntag` (the `fromImage` and `tag` of a pull). A normalized reference is a fixed point of
/// normalization, a pattern written as a reference's text admits that reference, and the three
/// readings dockerd has (create, pull, tag) agree on the name where they overlap.
func fuzzImageReference(_ bytes: [UInt8]) {
    let newline = bytes.firstIndex(of: UInt8(ascii: "\n"))
    let image = text(bytes[..<(newline ?? bytes.endIndex)])
    let tag = newline.map { text(bytes[($0 + 1)...]) }

    let normalized = Result { () throws(ImageReferenceError) in try ImageReference.parseNormalized(image) }
    if case .success(let reference) = normalized {
        checkFixedPoint(reference)
        let spec = Result { () throws(ImageReferenceError) in try ContainerImageSpec.parse(image) }
        if case .success(.reference(let specReference)) = spec {
            require(specReference == reference, "create reads \(specReference), normalization \(reference)")
        }
    }
    if case .failure(let error) = normalized { _ = error.message }

    switch Result(catching: { () throws(ImageReferenceError) in try ContainerImageSpec.parse(image) }) {
    case .success(.reference(let reference)): checkFixedPoint(reference)
    case .success(.imageID(let id)): require(id == image, "image ID \(id) is not the text \(image)")
    case .failure: break
    }

    switch Result(catching: { () throws(ImageReferenceError) in try ImageReference.pullTarget(fromImage: image, tag: tag) }) {
    case .success(.reference(let reference)): checkFixedPoint(reference)
    case .success(.allTags(let repository)):
        let all = Result { () throws(ImageReferenceError) in try ImageReference.parseNormalized(repository) }
        require((try? all.get())?.name == repository, "all-tags repository \(repository) does not normalize to itself")
    case .failure(let error): _ = error.message
    }

    if let named = try? ImageReference.repoTag(repo: image, tag: tag) { checkFixedPoint(named) }

    if let pattern = try? ImagePattern(image) {
        // The expansion is itself a valid pattern that expands to the same thing.
        let expanded = Result { () throws(ImageReferenceError) in try ImagePattern(pattern.description) }
        require((try? expanded.get())?.description == pattern.description, "\(pattern) re-expands as \(expanded)")
        if case .success(let reference) = normalized {
            // No "*" can be in a reference, so the pattern is that literal name (any tag when none was written).
            require(pattern.matches(reference), "pattern \(pattern) does not admit its own text \(reference)")
        }
    }
}

/// A normalized reference parses back to itself, and the pattern written as its text admits it.
func checkFixedPoint(_ reference: ImageReference) {
    let again = Result { () throws(ImageReferenceError) in try ImageReference.parseNormalized(reference.description) }
    if reference.tag != nil || reference.digest != nil {
        require(again == .success(reference), "\(reference) normalizes to \(again)")
    }
    let pattern = Result { () throws(ImageReferenceError) in try ImagePattern(reference.description) }
    guard case .success(let literal) = pattern else {
        require(false, "\(reference) is not a valid pattern: \(pattern)")
        return
    }
    require(literal.matches(reference), "pattern \(literal) does not admit \(reference)")
}

#if DOCKGATE_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzImageReference(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// `main` for SwiftPM's linker alias (see `runLibFuzzer`).
@_cdecl("FuzzImageReference_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzerTestOneInput)
}
#else
/// Without libFuzzer: replay the files given as arguments through the harness.
@main
enum Replay {
    static func main() {
        replayOrExplain(target: "FuzzImageReference", harness: fuzzImageReference)
    }
}
#endif
