/// One "/"-separated segment of a request path, split BEFORE decoding and decoded once
/// (THREATS H-18).
struct TargetPathSegment: Sendable {
    /// The decoded text; never contains "/", NUL or another control byte.
    let decoded: String
    /// True when the raw segment held any `%` escape; fixed segments must not (H-18).
    let wasEncoded: Bool

    /// Byte-for-byte equality with a route literal, as Go compares strings.
    func isExactly(_ literal: String) -> Bool {
        decoded.utf8.elementsEqual(literal.utf8)
    }
}
