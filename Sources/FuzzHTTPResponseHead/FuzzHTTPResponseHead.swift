import DockgateFuzzSupport
import DockgateHTTP

/// The response-head parser on whatever the upstream sends: heads delivered in pieces parse as
/// when delivered whole, interim (1xx) heads are followed by the next head, and the framing
/// obeys RFC 9112 §6.3 for both a GET and a HEAD request.
func fuzzResponseHead(_ bytes: [UInt8]) {
    for method in ["GET", "HEAD"] {
        var offset = 0
        for _ in 0..<8 {
            let message = Array(bytes[offset...])
            guard let head = checkedHead(message, requestMethod: method) else { break }
            offset += head.headLength
            guard head.isInterim else { break }
        }
    }
}

func checkedHead(_ message: [UInt8], requestMethod: String) -> ResponseHead? {
    let whole = parse(message, requestMethod: requestMethod, feedings: [message.count])
    let a = derivedIndex(message, salt: 1)
    let b = derivedIndex(message, salt: 2)
    let pieces = parse(message, requestMethod: requestMethod, feedings: [min(a, b), max(a, b), message.count])
    require(whole == pieces, "whole \(whole) but in pieces at \(min(a, b)), \(max(a, b)): \(pieces)")
    guard case .success(let head?) = whole else { return nil }

    require(head.headLength >= 4 && head.headLength <= message.count, "headLength \(head.headLength) of \(message.count)")
    require(message[head.headLength - 4..<head.headLength].elementsEqual([13, 10, 13, 10]), "head does not end in CRLF CRLF")
    require((100...599).contains(head.status), "status \(head.status)")
    if requestMethod == "HEAD" && head.status != 101 { require(head.framing == .none, "a HEAD answer with a body") }
    if head.framing == .closeDelimited || head.framing == .switchingProtocols {
        require(!head.isKeepAlive, "keep-alive after a close-delimited or switched connection")
    }
    return head
}

func parse(_ message: [UInt8], requestMethod: String, feedings: [Int]) -> Result<ResponseHead?, HTTPHeadError> {
    var parser = ResponseHeadParser()
    var last: Result<ResponseHead?, HTTPHeadError> = .success(nil)
    for end in feedings {
        let result = Result { () throws(HTTPHeadError) in try parser.parse(message[..<end], requestMethod: requestMethod) }
        if last != .success(nil) { require(result == last, "result changed from \(last) to \(result)") }
        last = result
    }
    return last
}

#if DOCKGATE_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzResponseHead(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// `main` for SwiftPM's linker alias (see `runLibFuzzer`).
@_cdecl("FuzzHTTPResponseHead_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzerTestOneInput)
}
#else
/// Without libFuzzer: replay the files given as arguments through the harness.
@main
enum Replay {
    static func main() {
        replayOrExplain(target: "FuzzHTTPResponseHead", harness: fuzzResponseHead)
    }
}
#endif
