import DockgateHTTP
import Testing

/// The bytes of `text` as UTF-8 (tests spell CRLF explicitly as "\r\n").
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// What a head parser made of some bytes once everything was fed.
enum HeadOutcome<Head: Equatable & Sendable>: Equatable, Sendable {
    case head(Head)
    case incomplete
    case failed(HTTPHeadError)
}

/// A head parser fed from the start of a growing buffer, as the proxy does.
protocol HeadFeeding {
    associatedtype Head: Equatable & Sendable
    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPHeadError) -> Head?
}

struct RequestFeeder: HeadFeeding {
    var parser: RequestHeadParser

    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPHeadError) -> RequestHead? {
        try parser.parse(bytes)
    }
}

struct ResponseFeeder: HeadFeeding {
    var parser: ResponseHeadParser
    let requestMethod: String

    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPHeadError) -> ResponseHead? {
        try parser.parse(bytes, requestMethod: requestMethod)
    }
}

/// Feeds growing prefixes of `bytes` ending at each of `cuts`, then all of it; stops at a head or an error.
func feed<Feeder: HeadFeeding>(_ feeder: Feeder, _ bytes: [UInt8], cuts: some Sequence<Int>) -> HeadOutcome<Feeder.Head>
{
    var feeder = feeder
    for end in Array(cuts) + [bytes.count] {
        do throws(HTTPHeadError) {
            if let head = try feeder.feed(bytes[..<end]) { return .head(head) }
        } catch {
            return .failed(error)
        }
    }
    return .incomplete
}

/// The outcome of feeding `bytes` all at once, after checking that feeding them one byte at a time and
/// split in two at every index gives exactly the same outcome.
func dripFed<Feeder: HeadFeeding>(
    _ make: () -> Feeder,
    _ bytes: [UInt8],
    everySplit: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) -> HeadOutcome<Feeder.Head> {
    let whole = feed(make(), bytes, cuts: [])
    let byteByByte = feed(make(), bytes, cuts: 0..<bytes.count)
    #expect(byteByByte == whole, "byte by byte", sourceLocation: sourceLocation)
    if everySplit {
        for split in 0...bytes.count {
            let outcome = feed(make(), bytes, cuts: [split])
            #expect(outcome == whole, "split at \(split)", sourceLocation: sourceLocation)
        }
    }
    return whole
}

/// A request head parsed from `text`, checked to be the same however the bytes are delivered.
func request(
    _ text: String,
    maxHeadBytes: Int = RequestHeadParser.defaultMaxHeadBytes,
    sourceLocation: SourceLocation = #_sourceLocation
) -> HeadOutcome<RequestHead> {
    dripFed(
        { RequestFeeder(parser: RequestHeadParser(maxHeadBytes: maxHeadBytes)) },
        bytes(text),
        sourceLocation: sourceLocation
    )
}

/// A response head parsed from `text` for a request with `method`, checked the same way.
func response(
    _ text: String,
    method: String = "GET",
    maxHeadBytes: Int = 512 * 1024,
    sourceLocation: SourceLocation = #_sourceLocation
) -> HeadOutcome<ResponseHead> {
    dripFed(
        { ResponseFeeder(parser: ResponseHeadParser(maxHeadBytes: maxHeadBytes), requestMethod: method) },
        bytes(text),
        sourceLocation: sourceLocation
    )
}

/// The head, or nil with a recorded issue when parsing did not produce one.
func expectHead<Head>(
    _ outcome: HeadOutcome<Head>,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Head? {
    guard case .head(let head) = outcome else {
        Issue.record("expected a head, got \(outcome)", sourceLocation: sourceLocation)
        return nil
    }
    return head
}

/// A rejection case: the input and the exact error it must produce.
struct Rejection: Sendable, CustomTestStringConvertible {
    let label: String
    let text: String
    let error: HTTPHeadError

    init(_ label: String, _ text: String, _ error: HTTPHeadError) {
        self.label = label
        self.text = text
        self.error = error
    }

    var testDescription: String { label }
}

/// What a body scanner made of some bytes: how many belonged to the body, or the error.
enum ScanOutcome: Equatable, Sendable {
    case consumed(Int, complete: Bool)
    case failed(ChunkedBodyError)
}

/// Feeds `bytes` to `scanner` in pieces ending at each of `cuts`, then the rest, as the proxy does:
/// each call gets only the bytes after those already accepted; stops at completion or an error.
func scan(_ scanner: BodyScanner, _ bytes: [UInt8], cuts: some Sequence<Int>) -> ScanOutcome {
    var scanner = scanner
    var accepted = 0
    for end in Array(cuts) + [bytes.count] where end > accepted {
        do throws(ChunkedBodyError) {
            let offered = end - accepted
            let taken = try scanner.scan(bytes[accepted..<end])
            accepted += taken
            if scanner.isComplete {
                #expect(taken <= offered)
                break
            }
            #expect(taken == offered, "an unfinished body takes every byte offered")
        } catch {
            return .failed(error)
        }
    }
    return .consumed(accepted, complete: scanner.isComplete)
}

/// The outcome of scanning `bytes` all at once, after checking byte-by-byte and every split agree.
func dripScanned(
    _ make: () -> BodyScanner,
    _ bytes: [UInt8],
    sourceLocation: SourceLocation = #_sourceLocation
) -> ScanOutcome {
    let whole = scan(make(), bytes, cuts: [])
    #expect(
        scan(make(), bytes, cuts: bytes.indices.dropFirst()) == whole,
        "byte by byte",
        sourceLocation: sourceLocation
    )
    for split in 0...bytes.count {
        #expect(scan(make(), bytes, cuts: [split]) == whole, "split at \(split)", sourceLocation: sourceLocation)
    }
    return whole
}

/// A chunked body scanned from `text`, checked the same way.
func chunked(
    _ text: String,
    maxTrailerBytes: Int = 64 * 1024,
    sourceLocation: SourceLocation = #_sourceLocation
) -> ScanOutcome {
    dripScanned({ BodyScanner.chunked(maxTrailerBytes: maxTrailerBytes) }, bytes(text), sourceLocation: sourceLocation)
}
