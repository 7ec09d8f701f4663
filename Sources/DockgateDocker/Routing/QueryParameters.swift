import DockgateCore

/// A request query read with Go's `url.ParseQuery` and `Request.FormValue` semantics.
///
/// Pairs are split on `&` (empty pieces skipped), then at the first `=`; names and values are
/// decoded once with `+` as a space. A `;` anywhere is refused before this type is built
/// (THREATS H-24), and a malformed `%` escape or bytes that are not UTF-8 reject the request,
/// where Go would silently drop the pair or keep bytes Swift cannot hold.
///
/// Names are compared byte for byte, as Go's map keys are, never by Unicode canonical
/// equivalence (`"\u{212A}"` is not `"K"` here).
public struct QueryParameters: Sendable, Equatable {
    /// Every decoded pair, in request order, duplicates kept.
    public let pairs: [(name: String, value: String)]

    public init(pairs: [(name: String, value: String)] = []) {
        self.pairs = pairs
    }

    /// Parses a raw query (the text after the first `?`, without it).
    public init(rawQuery: some StringProtocol) throws(RequestTargetError) {
        var pairs: [(name: String, value: String)] = []
        let bytes = Array(rawQuery.utf8)
        guard !bytes.contains(UInt8(ascii: ";")) else { throw .semicolonInQuery }
        for piece in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: ArraySlice<UInt8>
            let value: ArraySlice<UInt8>
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                name = piece[..<equals]
                value = piece[(equals + 1)...]
            } else {
                name = piece
                value = []
            }
            guard let decodedName = TargetPercentDecoder.decodeString(name, plusAsSpace: true),
                  let decodedValue = TargetPercentDecoder.decodeString(value, plusAsSpace: true)
            else { throw .invalidPercentEncoding }
            pairs.append((decodedName, decodedValue))
        }
        self.pairs = pairs
    }

    /// `Request.FormValue`: the FIRST value of `name`, or nil when absent (THREATS H-23).
    public func first(_ name: String) -> String? {
        pairs.first { $0.name.hasSameBytes(as: name) }?.value
    }

    /// Every value of `name` in order, as Go's `r.Form[name]` (list parameters: `t`, `platform`…).
    public func all(_ name: String) -> [String] {
        pairs.filter { $0.name.hasSameBytes(as: name) }.map(\.value)
    }

    /// True when `name` appears at all, even with an empty value.
    public func contains(_ name: String) -> Bool {
        pairs.contains { $0.name.hasSameBytes(as: name) }
    }

    /// dockerd `httputils.BoolValue`: the first value, trimmed (Go `strings.TrimSpace`) and
    /// lower-cased; `""`, `"0"`, `"no"`, `"false"`, `"none"` are false, anything else (`"off"`,
    /// `"n"`, `"2"`) is true; an absent parameter is false (THREATS H-25).
    public func bool(_ name: String) -> Bool {
        guard let value = first(name) else { return false }
        let scalars = Self.goTrimSpace(value)
        // No non-ASCII scalar lower-cases to a character of the false words (Go's only
        // non-ASCII-to-ASCII lower mappings are U+212A → "k" and U+0130 → "i"), so any
        // non-ASCII value is true, as in dockerd.
        guard scalars.allSatisfy(\.isASCII) else { return true }
        let lowered = String(String.UnicodeScalarView(scalars.map { scalar in
            (scalar >= "A" && scalar <= "Z") ? Unicode.Scalar(scalar.value + 32)! : scalar
        }))
        return !["", "0", "no", "false", "none"].contains { lowered.utf8.elementsEqual($0.utf8) }
    }

    public static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name.hasSameBytes(as: $1.name) && $0.value.hasSameBytes(as: $1.value) }
    }

    /// Go `unicode.IsSpace`: ASCII `\t \n \v \f \r` and space, U+0085, U+00A0, and the
    /// White_Space separators U+1680, U+2000…U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    private static func isGoSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }

    private static func goTrimSpace(_ value: String) -> ArraySlice<Unicode.Scalar> {
        let scalars = Array(value.unicodeScalars)
        guard let start = scalars.firstIndex(where: { !isGoSpace($0) }),
              let end = scalars.lastIndex(where: { !isGoSpace($0) })
        else { return [] }
        return scalars[start...end]
    }
}
