import DockgateFuzzSupport
import DockgateHTTP

/// The request-head parser on hostile bytes (THREATS §1.14), the way the proxy drives it: heads
/// delivered in arbitrary pieces must parse exactly as when delivered whole, and a connection's
/// bytes are walked message by message (head, body by its framing, next head) as in pipelining.
func fuzzRequestHead(_ bytes: [UInt8]) {
    var offset = 0
    for _ in 0..<8 {
        let message = Array(bytes[offset...])
        guard let head = checkedHead(message) else { return }
        offset += head.headLength
        guard let bodyLength = bodyLength(head.framing, bytes[offset...]) else { return }
        offset += bodyLength
    }
}

/// Parses `message` whole and in three data-derived pieces; both feedings must agree.
func checkedHead(_ message: [UInt8]) -> RequestHead? {
    let whole = parse(message, feedings: [message.count])
    let a = derivedIndex(message, salt: 1)
    let b = derivedIndex(message, salt: 2)
    let pieces = parse(message, feedings: [min(a, b), max(a, b), message.count])
    require(whole == pieces, "whole \(whole) but in pieces at \(min(a, b)), \(max(a, b)): \(pieces)")
    guard case .success(let head?) = whole else { return nil }

    require(head.headLength >= 4 && head.headLength <= message.count, "headLength \(head.headLength) of \(message.count)")
    require(message[head.headLength - 4..<head.headLength].elementsEqual([13, 10, 13, 10]), "head does not end in CRLF CRLF")
    // The head is self-delimiting: the proxy forwards exactly these bytes.
    let alone = parse(Array(message[..<head.headLength]), feedings: [head.headLength])
    require(alone == whole, "head alone parses as \(alone)")
    require(!head.isKeepAlive || head.version == .http11, "HTTP/1.0 keep-alive")
    if head.framing == .chunked { require(head.version == .http11, "chunked on HTTP/1.0") }
    return head
}

func parse(_ message: [UInt8], feedings: [Int]) -> Result<RequestHead?, HTTPHeadError> {
    var parser = RequestHeadParser()
    var last: Result<RequestHead?, HTTPHeadError> = .success(nil)
    for end in feedings {
        let result = Result { () throws(HTTPHeadError) in try parser.parse(message[..<end]) }
        // Once a head or an error has been produced, it sticks until reset().
        if last != .success(nil) { require(result == last, "result changed from \(last) to \(result)") }
        last = result
    }
    return last
}

/// How many of `rest` the body takes, or nil when it does not end inside `rest` (or is invalid).
func bodyLength(_ framing: RequestBodyFraming, _ rest: ArraySlice<UInt8>) -> Int? {
    switch framing {
    case .none:
        return 0
    case .contentLength(let length):
        return length <= UInt64(rest.count) ? Int(length) : nil
    case .chunked:
        var scanner = BodyScanner.chunked()
        guard let taken = try? scanner.scan(rest), scanner.isComplete else { return nil }
        let body = Array(rest.prefix(taken))
        require(ChunkedBodyDecoder.decode(body) != nil, "scanner accepted a chunked body the decoder refuses")
        return taken
    }
}

#if DOCKGATE_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzRequestHead(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// `main` for SwiftPM's linker alias (see `runLibFuzzer`).
@_cdecl("FuzzHTTPRequestHead_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzerTestOneInput)
}
#else
/// Without libFuzzer: replay the files given as arguments through the harness.
@main
enum Replay {
    static func main() {
        replayOrExplain(target: "FuzzHTTPRequestHead", harness: fuzzRequestHead)
    }
}
#endif
