/// Turns a complete chunked body into its payload, so the policy can read the JSON dockerd will
/// decode (THREATS H-01: a chunked body is judged like any other, never skipped).
///
/// Meant for bodies that `BodyScanner.chunked()` has already accepted; it still checks every
/// length it relies on, and returns nil rather than guessing.
public enum ChunkedBodyDecoder {
    public static func decode(_ body: [UInt8]) -> [UInt8]? {
        var payload: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = crlf(in: body, from: index) else { return nil }
            var size = 0
            var cursor = index
            while cursor < lineEnd, let digit = hexValue(body[cursor]) {
                guard size <= (Int.max - 15) / 16 else { return nil }
                size = size * 16 + digit
                cursor += 1
            }
            guard cursor > index else { return nil }
            let dataStart = lineEnd + 2
            if size == 0 { return payload }  // trailers follow; they carry no payload
            // Compared by subtraction: a 16-digit size near Int.max must not overflow `dataStart + size`
            // (the audit trail decodes cut-short response bodies that were never fully scanned).
            guard size <= body.count - dataStart - 2, body[dataStart + size] == 13, body[dataStart + size + 1] == 10 else {
                return nil
            }
            payload.append(contentsOf: body[dataStart..<dataStart + size])
            index = dataStart + size + 2
        }
    }

    private static func crlf(in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case 65...70: Int(byte - 55)
        case 97...102: Int(byte - 87)
        default: nil
        }
    }
}
