/// The one implementation of the RFC 8259 number grammar, shared by the reader and
/// `JSONNumber.init?(_:)`. No leading `+`, no leading zeros, no `.5`/`1.`, no NaN/Infinity/hex:
/// anything Go's scanner would not accept is rejected here (THREATS.md G-14), never repaired.
extension JSONNumber {
    /// Scans a number starting at `start` and returns the index just past it.
    static func scanLiteral(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONReadError) -> Int {
        var i = start
        let n = bytes.count
        func isDigit(_ index: Int) -> Bool {
            index < n && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9")
        }
        if i < n, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else {
            throw .syntax(offset: i, reason: "a number needs a digit here")
        }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) {
                throw .syntax(offset: i, reason: "numbers must not have leading zeros")
            }
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else {
                throw .syntax(offset: i, reason: "a decimal point must be followed by a digit")
            }
            while isDigit(i) { i += 1 }
        }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else {
                throw .syntax(offset: i, reason: "an exponent needs a digit")
            }
            while isDigit(i) { i += 1 }
        }
        return i
    }
}
