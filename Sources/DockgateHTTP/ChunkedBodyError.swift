/// Why a chunked body was refused (RFC 9112 §7.1); the proxy closes the connection.
public enum ChunkedBodyError: Error, Equatable, Sendable {
    case invalidChunkSize
    case chunkSizeTooLarge
    case invalidChunkExtension
    case missingCRLFAfterData
    case invalidTrailer
    case trailerTooLarge
    case bareLineFeedOrCarriageReturn

    /// One sentence for a log line or an error body.
    public var message: String {
        switch self {
        case .invalidChunkSize: "chunk size is not a hexadecimal number"
        case .chunkSizeTooLarge: "chunk size has more than 16 hexadecimal digits"
        case .invalidChunkExtension: "chunk extension is malformed or too long"
        case .missingCRLFAfterData: "chunk data is not followed by CRLF"
        case .invalidTrailer: "trailer field is malformed"
        case .trailerTooLarge: "trailer section is too large"
        case .bareLineFeedOrCarriageReturn: "chunked body contains a line ending other than CRLF"
        }
    }
}
