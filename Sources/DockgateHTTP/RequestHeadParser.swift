/// Incremental: call with the whole unconsumed buffer each time more bytes arrive (the buffer always starts
/// at the beginning of a request). Remembers how far it has scanned so repeated calls are linear overall.
/// Returns nil while the head is incomplete; throws as soon as the bytes seen so far are invalid
/// or exceed the limit. Call `reset()` before parsing the next request.
///
/// Once a head or an error has been produced, further calls return the same result until `reset()`.
public struct RequestHeadParser: Sendable {
    /// Go's `DefaultMaxHeaderBytes` is 1 MiB; half of it still leaves room for a large `X-Registry-Config`.
    public static let defaultMaxHeadBytes = 512 * 1024
    /// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line; a few more
    /// than one are tolerated, an endless stream of them is not.
    static let maxLeadingEmptyLines = 4

    private let maxHeadBytes: Int
    private var lines: HeadLineScanner
    private var leadingEmptyLines = 0
    private var requestLine: RequestLine?
    private var section = HeaderSection(allowsTransferEncoding: false)
    private var outcome: Result<RequestHead, HTTPHeadError>?

    public init(maxHeadBytes: Int = RequestHeadParser.defaultMaxHeadBytes) {
        self.maxHeadBytes = maxHeadBytes
        lines = HeadLineScanner(maxHeadBytes: maxHeadBytes)
    }

    public mutating func parse(_ bytes: ArraySlice<UInt8>) throws(HTTPHeadError) -> RequestHead? {
        if let outcome { return try outcome.get() }
        let step = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(HTTPHeadError) in try self.advance(over: buffer) }
        }
        switch step {
        case .success(nil): return nil
        case .success(let head?): outcome = .success(head)
        case .failure(let error): outcome = .failure(error)
        }
        return try outcome?.get()
    }

    public mutating func reset() {
        self = RequestHeadParser(maxHeadBytes: maxHeadBytes)
    }

    /// Consumes every complete line not yet seen; returns the head once its empty line has arrived.
    private mutating func advance(over buffer: UnsafeBufferPointer<UInt8>) throws(HTTPHeadError) -> RequestHead? {
        while let scanned = try lines.nextLine(in: buffer) {
            let line = buffer[scanned.range]
            guard let requestLine else {
                if line.isEmpty {
                    leadingEmptyLines += 1
                    if leadingEmptyLines > Self.maxLeadingEmptyLines { throw .malformedRequestLine }
                    continue
                }
                let parsed = try RequestLine(line)
                requestLine = parsed
                section = HeaderSection(allowsTransferEncoding: parsed.version == .http11)
                continue
            }
            if line.isEmpty { return try finish(requestLine) }
            // Go trims Unicode white space and lower-cases Unicode letters where Swift and HTTP do
            // not (mime.ParseMediaType, THREATS I-02): a request header value is plain ASCII or refused.
            // (Names are tokens, already checked: any such byte is in the value.)
            if line.contains(where: { $0 >= 0x80 }) {
                throw .nonASCIIHeaderValue(name: String(decoding: line.prefix(scanned.nameLength), as: UTF8.self))
            }
            try section.append(line, nameLength: scanned.nameLength)
            // RFC 9112 §3.2: a server MUST respond 400 to a request with more than one Host field.
            if section.hostCount > 1 { throw .multipleHosts }
            // Go reads the first, a reader of the head may read the last: one is the only unambiguous count.
            if section.contentTypeCount > 1 { throw .multipleContentTypes }
        }
        return nil
    }

    private func finish(_ requestLine: RequestLine) throws(HTTPHeadError) -> RequestHead {
        // RFC 9112 §3.2: an HTTP/1.1 request without Host MUST get 400 (an empty value is valid).
        if requestLine.version == .http11, section.hostCount == 0 { throw .missingHost }
        let framing: RequestBodyFraming =
            if section.isChunked {
                .chunked
            } else if let length = section.contentLength {
                .contentLength(length)
            } else {
                // RFC 9112 §6.3 rule 7: no framing field on a request means no body.
                .none
            }
        return RequestHead(
            method: requestLine.method,
            target: requestLine.target,
            version: requestLine.version,
            headers: HTTPHeaders(section.fields),
            framing: framing,
            headLength: lines.lineStart,
            isUpgrade: section.hasUpgrade,
            expectsContinue: section.expectsContinue,
            // RFC 9112 §9.3: HTTP/1.0 persistence needs "keep-alive", which dockgate does not offer.
            isKeepAlive: requestLine.version == .http11 && !section.hasConnectionClose
        )
    }
}
