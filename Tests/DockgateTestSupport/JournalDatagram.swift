/// Parses the native journal protocol as journald does (systemd `journald-native.c`):
/// `NAME=value\n`, or for values containing a newline `NAME\n<64-bit LE length><data>\n`.
public enum JournalDatagram {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    public static func parse(_ bytes: [UInt8]) throws -> [(String, [UInt8])] {
        var fields: [(String, [UInt8])] = []
        var index = 0
        while index < bytes.count {
            guard let end = bytes[index...].firstIndex(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\n") }) else {
                throw Malformed(description: "unterminated field at byte \(index)")
            }
            let name = String(decoding: bytes[index..<end], as: UTF8.self)
            if bytes[end] == UInt8(ascii: "=") {
                guard let newline = bytes[end...].firstIndex(of: UInt8(ascii: "\n")) else {
                    throw Malformed(description: "field \(name) has no final newline")
                }
                fields.append((name, Array(bytes[(end + 1)..<newline])))
                index = newline + 1
            } else {
                let lengthStart = end + 1
                guard lengthStart + 8 <= bytes.count else { throw Malformed(description: "\(name): short length") }
                var length = 0
                for (shift, byte) in bytes[lengthStart..<(lengthStart + 8)].enumerated() {
                    length |= Int(byte) << (8 * shift)
                }
                let dataStart = lengthStart + 8
                guard dataStart + length < bytes.count, bytes[dataStart + length] == UInt8(ascii: "\n") else {
                    throw Malformed(description: "\(name): binary value not followed by a newline")
                }
                fields.append((name, Array(bytes[dataStart..<(dataStart + length)])))
                index = dataStart + length + 1
            }
        }
        return fields
    }
}
