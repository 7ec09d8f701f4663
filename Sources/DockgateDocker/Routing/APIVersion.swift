/// A Docker API version from a `/vMAJOR.MINOR` path prefix.
///
/// dockerd matches the prefix with gorilla's `[0-9.]+` and compares versions numerically, so
/// `v1.041` means 1.41 and `v1.41.0` is accepted too (THREATS H-20). The proxy accepts only the
/// plain form (decimal numbers, no leading zeros, exactly one dot) so that the version the
/// policy sees, and its version floor (V-03), is the one dockerd uses.
public struct APIVersion: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1.41"` strictly: `MAJOR.MINOR`, ASCII digits, no sign, no leading zero (except
    /// `"0"` itself), at most 9 digits each. Anything else (`"1.041"`, `"1.41.0"`, `"1"`, `".41"`)
    /// is nil.
    public init?(parsing text: some StringProtocol) {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Self.number(parts[0]), let minor = Self.number(parts[1]) else {
            return nil
        }
        self.init(major: major, minor: minor)
    }

    /// `"1.41"`, the form dockerd prints in `Api-Version`.
    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    private static func number(_ digits: some Collection<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        guard digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
