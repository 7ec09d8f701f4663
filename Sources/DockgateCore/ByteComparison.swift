/// Byte-for-byte comparison of strings that decide something.
///
/// Swift's `String` `==`, `hasPrefix`, `Hashable` (and so `Set` and `Dictionary`) compare by
/// Unicode canonical equivalence: `"\u{212A}ate" == "Kate"` (KELVIN SIGN) and `"e\u{301}" == "é"`.
/// The CA, Go and dockerd compare bytes, so every decision that depends on a name goes through
/// these instead (DESIGN-NOTES §2.6).
extension StringProtocol {
    /// The same UTF-8 bytes.
    @inlinable
    public func hasSameBytes(as other: some StringProtocol) -> Bool {
        utf8.elementsEqual(other.utf8)
    }

    /// Starts with exactly the UTF-8 bytes of `prefix`.
    @inlinable
    public func startsWithBytes(of prefix: some StringProtocol) -> Bool {
        utf8.starts(with: prefix.utf8)
    }

    /// Every byte is printable ASCII (space through `~`), and there is at least one.
    public var isPrintableASCII: Bool {
        !utf8.isEmpty && utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }
}

extension Optional where Wrapped: StringProtocol {
    /// Both absent, or both present with the same UTF-8 bytes.
    @inlinable
    public func hasSameBytes(as other: Wrapped?) -> Bool {
        switch (self, other) {
        case (nil, nil): return true
        case (let lhs?, let rhs?): return lhs.hasSameBytes(as: rhs)
        default: return false
        }
    }
}

extension Sequence where Element: StringProtocol {
    /// Whether one of the elements has exactly the bytes of `candidate` (a `Set<String>.contains`
    /// would match a canonically equivalent spelling).
    @inlinable
    public func containsBytes(of candidate: some StringProtocol) -> Bool {
        contains { $0.hasSameBytes(as: candidate) }
    }
}
