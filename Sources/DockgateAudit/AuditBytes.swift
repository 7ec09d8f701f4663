/// Appending ASCII to a byte buffer without going through `String`: literals, decimals and
/// fixed-width zero-padded numbers, the pieces every audit line is made of.
extension Array where Element == UInt8 {
    /// Copies a literal (a JSON key with its quotes and colon, say) in one `memcpy`.
    @inline(__always)
    mutating func appendLiteral(_ text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `value` in decimal, as `String(value)` writes it.
    mutating func appendDecimal(_ value: UInt64) {
        var digitCount = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digitCount += 1
        }
        appendDigits(of: value, count: digitCount)
    }

    /// `value` in decimal with a leading `-` when negative, as `String(value)` writes it.
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude)
    }

    /// The last `width` decimal digits of `value`, zero-padded: for timestamp fields whose range
    /// the caller knows fits.
    mutating func appendPadded(_ value: UInt64, width: Int) {
        appendDigits(of: value, count: width)
    }

    /// Writes the `count` low decimal digits of `value`, most significant first.
    private mutating func appendDigits(of value: UInt64, count: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { digits in
            var rest = value
            for index in stride(from: count - 1, through: 0, by: -1) {
                digits[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            append(contentsOf: UnsafeBufferPointer(digits))
        }
    }
}
