/// Incremental parser for response heads from the daemon, used the same way as `RequestHeadParser`.
///
/// The framing depends on the request: pass the method the response answers (RFC 9112 §6.3 rule 1).
/// After an interim (1xx) head, call `reset()` and parse the next head from the bytes that follow.
public struct ResponseHeadParser: Sendable {
    private let maxHeadBytes: Int
    private var lines: HeadLineScanner
    private var statusLine: StatusLine?
    private var section = HeaderSection(allowsTransferEncoding: false)
    private var outcome: Result<ResponseHead, HTTPHeadError>?

    public init(maxHeadBytes: Int = 512 * 1024) {
        self.maxHeadBytes = maxHeadBytes
        lines = HeadLineScanner(maxHeadBytes: maxHeadBytes)
    }

    public mutating func parse(
        _ bytes: ArraySlice<UInt8>,
        requestMethod: String
    ) throws(HTTPHeadError) -> ResponseHead? {
        if let outcome { return try outcome.get() }
        let step = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(HTTPHeadError) in try self.advance(over: buffer, requestMethod: requestMethod) }
        }
        switch step {
        case .success(nil): return nil
        case .success(let head?): outcome = .success(head)
        case .failure(let error): outcome = .failure(error)
        }
        return try outcome?.get()
    }

    public mutating func reset() {
        self = ResponseHeadParser(maxHeadBytes: maxHeadBytes)
    }

    private mutating func advance(
        over buffer: UnsafeBufferPointer<UInt8>,
        requestMethod: String
    ) throws(HTTPHeadError) -> ResponseHead? {
        while let scanned = try lines.nextLine(in: buffer) {
            let line = buffer[scanned.range]
            guard let statusLine else {
                // Unlike a server, a client gets no leading empty lines to skip (RFC 9112 §2.2 covers requests).
                if line.isEmpty { throw .malformedStatusLine }
                let parsed = try StatusLine(line)
                statusLine = parsed
                section = HeaderSection(allowsTransferEncoding: parsed.version == .http11)
                continue
            }
            if line.isEmpty { return finish(statusLine, requestMethod: requestMethod) }
            try section.append(line, nameLength: scanned.nameLength)
        }
        return nil
    }

    /// Applies RFC 9112 §6.3 in order; framing fields were already validated even where they are ignored.
    private func finish(_ statusLine: StatusLine, requestMethod: String) -> ResponseHead {
        let status = statusLine.status
        let framing: ResponseBodyFraming =
            if status == 101 {
                .switchingProtocols
            } else if (100..<200).contains(status) || status == 204 || status == 304 || requestMethod == "HEAD" {
                // Rule 1: no body whatever Content-Length says (dockerd's 304 carries a Content-Type only).
                .none
            } else if section.isChunked {
                .chunked
            } else if let length = section.contentLength {
                .contentLength(length)
            } else {
                // Rule 8: read until the daemon closes the connection.
                .closeDelimited
            }
        let isKeepAlive =
            statusLine.version == .http11 && !section.hasConnectionClose
            && framing != .closeDelimited && framing != .switchingProtocols
        return ResponseHead(
            version: statusLine.version,
            status: status,
            reason: statusLine.reason,
            headers: HTTPHeaders(section.fields),
            framing: framing,
            headLength: lines.lineStart,
            isInterim: (100..<200).contains(status) && status != 101,
            isRawStream: section.isRawStream,
            isKeepAlive: isKeepAlive
        )
    }
}
