import DockgateFuzzSupport
import DockgateHTTP

/// The chunked-body scanner (framing, THREATS H-01, H-08) and decoder (what the policy reads) on
/// one input: scanning in pieces agrees with scanning whole, a body the scanner calls complete
/// always decodes, whatever follows it, and the decoder refuses anything else without trapping
/// (the audit trail decodes create responses that were cut short or capped, never fully scanned).
func fuzzChunkedBody(_ bytes: [UInt8]) {
    _ = ChunkedBodyDecoder.decode(bytes)
    let whole = scan(bytes, feedings: [bytes.count])
    let a = derivedIndex(bytes, salt: 1)
    let b = derivedIndex(bytes, salt: 2)
    let pieces = scan(bytes, feedings: [min(a, b), max(a, b), bytes.count])
    require(whole == pieces, "whole \(whole) but in pieces at \(min(a, b)), \(max(a, b)): \(pieces)")

    guard case .success(let outcome) = whole, outcome.isComplete else { return }
    let body = Array(bytes[..<outcome.consumed])
    guard let payload = ChunkedBodyDecoder.decode(body) else {
        require(false, "the scanner accepted \(body.count) bytes that the decoder refuses")
        return
    }
    require(payload.count < body.count, "payload of \(payload.count) bytes from a body of \(body.count)")
    // Pipelined bytes after the body change nothing.
    require(ChunkedBodyDecoder.decode(bytes) == payload, "bytes after the body changed the payload")
}

struct ScanOutcome: Equatable {
    var consumed: Int
    var isComplete: Bool
}

/// Drives a scanner the way the proxy does: each call gets the bytes after those already accepted.
func scan(_ bytes: [UInt8], feedings: [Int]) -> Result<ScanOutcome, ChunkedBodyError> {
    var scanner = BodyScanner.chunked()
    var consumed = 0
    for end in feedings where !scanner.isComplete && end > consumed {
        let offered = end - consumed
        let taken: Int
        do throws(ChunkedBodyError) {
            taken = try scanner.scan(bytes[consumed..<end])
        } catch {
            return .failure(error)
        }
        require(taken <= offered, "took \(taken) of \(offered) bytes")
        require(taken == offered || scanner.isComplete, "stopped after \(taken) of \(offered) bytes while incomplete")
        consumed += taken
    }
    if scanner.isComplete {
        var after = scanner
        let extra = Result { () throws(ChunkedBodyError) in try after.scan(bytes[consumed...]) }
        require(extra == .success(0), "a complete scanner took more bytes: \(extra)")
    }
    return .success(ScanOutcome(consumed: consumed, isComplete: scanner.isComplete))
}

#if DOCKGATE_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzChunkedBody(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// `main` for SwiftPM's linker alias (see `runLibFuzzer`).
@_cdecl("FuzzChunkedBody_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzerTestOneInput)
}
#else
/// Without libFuzzer: replay the files given as arguments through the harness.
@main
enum Replay {
    static func main() {
        replayOrExplain(target: "FuzzChunkedBody", harness: fuzzChunkedBody)
    }
}
#endif
