/// A JSON number kept as its literal text.
///
/// Go decides by spelling, not by value (THREATS.md G-14): `1e2` and `1.0` into an `int64` field are
/// 400 errors, `100` is not; a float field overflowing `float64` is an error too. Keeping the literal
/// lets the policy ask the same questions and forward exactly what it judged (design rule 3).
/// Equality compares literals, so `1.0 != 1` and `1e2 != 100`.
public struct JSONNumber: Equatable, Sendable {
    /// The literal, always matching `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    public let literal: String

    /// Trusted initializer for a literal the reader has already scanned.
    init(uncheckedLiteral literal: String) {
        self.literal = literal
    }

    /// A number from its literal text; `nil` unless it is exactly one RFC 8259 number.
    public init?(_ literal: String) {
        var copy = literal
        let valid = copy.withUTF8 { bytes -> Bool in
            guard let end = try? Self.scanLiteral(in: bytes, at: 0) else { return false }
            return end == bytes.count
        }
        guard valid else { return nil }
        self.literal = literal
    }

    public init(_ value: Int64) {
        self.literal = String(value)
    }

    /// Go decodes into `int64` only when the literal has no fraction or exponent (`strconv.ParseInt`).
    public var isInteger: Bool {
        !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value Go would store in an `int64` field: `nil` if the literal is not an integer literal or is
    /// out of `Int64` range (Go then answers 400, so the policy must treat `nil` as a rejection).
    public var int64Value: Int64? {
        isInteger ? Int64(literal) : nil
    }

    /// The value Go would store in a `float64` field: `nil` when the literal overflows to infinity
    /// (`strconv.ParseFloat` then reports `ErrRange` and Go's decoder fails).
    public var doubleValue: Double? {
        guard let value = Double(literal), value.isFinite else { return nil }
        return value
    }
}
