/// Why a request or response head was refused: one case per rejection rule.
///
/// The proxy answers a request error with 400 and closes, and a response error with 502.
public enum HTTPHeadError: Error, Equatable, Sendable {
    case headTooLarge(limit: Int)
    case malformedRequestLine
    case malformedStatusLine
    case unsupportedVersion
    case absoluteFormTarget
    case invalidTarget
    case obsFold
    case whitespaceBeforeColon
    case invalidHeaderName
    case controlCharacter
    case bareLineFeedOrCarriageReturn
    case contentLengthAndTransferEncoding
    case conflictingContentLengths
    case invalidContentLength
    case unsupportedTransferEncoding
    case missingHost
    case multipleHosts
    case nonASCIIHeaderValue(name: String)
    case multipleContentTypes

    /// One sentence for the 400 response body, e.g. "request has both Content-Length and Transfer-Encoding".
    public var message: String {
        switch self {
        case .headTooLarge(let limit): "message head is larger than \(limit) bytes"
        case .malformedRequestLine: "request line is not 'METHOD SP request-target SP HTTP-version'"
        case .malformedStatusLine: "status line is not 'HTTP-version SP status-code SP reason-phrase'"
        case .unsupportedVersion: "HTTP version is not HTTP/1.0 or HTTP/1.1"
        case .absoluteFormTarget: "request target is in absolute form; only origin form ('/path') is accepted"
        case .invalidTarget: "request target is not an origin-form path"
        case .obsFold: "header uses obsolete line folding"
        case .whitespaceBeforeColon: "header field name is followed by whitespace before the colon"
        case .invalidHeaderName: "header field name is empty or not a token"
        case .controlCharacter: "message head contains a control character"
        case .bareLineFeedOrCarriageReturn: "message head contains a line ending other than CRLF"
        case .contentLengthAndTransferEncoding: "message has both Content-Length and Transfer-Encoding"
        case .conflictingContentLengths: "message has several different Content-Length fields"
        case .invalidContentLength: "Content-Length is not a single decimal number"
        case .unsupportedTransferEncoding: "Transfer-Encoding is not exactly 'chunked'"
        case .missingHost: "HTTP/1.1 request has no Host header"
        case .multipleHosts: "request has more than one Host header"
        case .nonASCIIHeaderValue(let name):
            "header \(name) has a byte outside ASCII; dockerd's Go parsers read such values differently, so they are refused"
        case .multipleContentTypes: "request has more than one Content-Type header"
        }
    }
}
