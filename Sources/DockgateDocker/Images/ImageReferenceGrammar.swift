/// Byte-level checks for the reference grammar of `distribution/reference` v0.6.0 (`regexp.go`)
/// and the digest rules of go-digest, as summarised in THREATS.md §3 rule 1.
///
/// Everything works on UTF-8 bytes and accepts ASCII only: Go's regular expressions there use
/// ASCII classes (`[a-z0-9]`, `\w`, `[[:xdigit:]]`), so any other byte makes dockerd refuse the
/// reference too.
enum ImageReferenceGrammar {
    static let defaultDomain: [UInt8] = Array("docker.io".utf8)
    static let legacyDefaultDomain: [UInt8] = Array("index.docker.io".utf8)
    static let localhost: [UInt8] = Array("localhost".utf8)
    static let officialRepoPrefix: [UInt8] = Array("library/".utf8)
    static let defaultTag = "latest"
    /// `RepositoryNameTotalLengthMax`: the path, without the domain.
    static let maxPathLength = 255
    /// `[\w][\w.-]{0,127}`.
    static let maxTagLength = 128

    // MARK: character classes

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool { isLower(byte) || isDigit(byte) }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isLower(byte) || isUpper(byte) || isDigit(byte) }
    static func isLowerHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte >= 0x61 && byte <= 0x66) }
    static func isHex(_ byte: UInt8) -> Bool { isLowerHex(byte) || (byte >= 0x41 && byte <= 0x46) }
    /// Go's `\w`: `[0-9A-Za-z_]`.
    static func isWord(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == UInt8(ascii: "_") }

    /// True when every byte is printable ASCII (0x21…0x7E); nothing else can appear in a reference.
    static func isPrintableASCII(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    static func containsUpper<C: Collection<UInt8>>(_ bytes: C) -> Bool { bytes.contains(where: isUpper) }

    // MARK: productions

    /// `identifier := [a-f0-9]{64}`: an image ID written without its algorithm (THREATS.md §3 rule 4
    /// and rule 8).
    static func isIdentifier<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        bytes.count == 64 && bytes.allSatisfy(isLowerHex)
    }

    /// `domain := host [":" port]`, `host := domain-name | "[" IPv6 "]"`, domain-name components
    /// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]` joined by ".", port `[0-9]+`.
    /// Upper case is allowed and kept (THREATS.md §3 rules 1 and 3).
    static func isValidDomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        if first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let inner = bytes[(bytes.startIndex + 1)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ isHex($0) || $0 == UInt8(ascii: ":") }) else { return false }
            return isValidOptionalPort(bytes[(close + 1)...])
        }
        let host: ArraySlice<UInt8>
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            host = bytes[..<colon]
            guard isValidOptionalPort(bytes[colon...]) else { return false }
        } else {
            host = bytes
        }
        let labels = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy(isValidDomainLabel)
    }

    /// Empty, or ":" followed by one or more decimal digits.
    private static func isValidOptionalPort(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first else { return true }
        let digits = bytes.dropFirst()
        return first == UInt8(ascii: ":") && !digits.isEmpty && digits.allSatisfy(isDigit)
    }

    private static func isValidDomainLabel(_ label: ArraySlice<UInt8>) -> Bool {
        guard let first = label.first, let last = label.last,
              isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// `path := path-component ("/" path-component)*` (THREATS.md §3 rule 1).
    static func isValidPath(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        return bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .allSatisfy(isValidPathComponent)
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`: runs of lower-case alphanumerics separated by
    /// exactly ".", "_", "__", or one or more "-".
    static func isValidPathComponent(_ component: ArraySlice<UInt8>) -> Bool {
        guard let first = component.first, let last = component.last,
              isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
        var index = component.startIndex
        while index < component.endIndex {
            if isLowerAlphanumeric(component[index]) {
                index += 1
                continue
            }
            var end = index
            while end < component.endIndex, !isLowerAlphanumeric(component[end]) { end += 1 }
            guard isValidSeparator(component[index..<end]) else { return false }
            index = end
        }
        return true
    }

    private static func isValidSeparator(_ run: ArraySlice<UInt8>) -> Bool {
        let dot = UInt8(ascii: "."), underscore = UInt8(ascii: "_"), dash = UInt8(ascii: "-")
        switch run.count {
        case 1: if run.first == dot || run.first == underscore { return true }
        case 2: if run.allSatisfy({ $0 == underscore }) { return true }
        default: break
        }
        return run.allSatisfy { $0 == dash }
    }

    /// `tag := [\w][\w.-]{0,127}` (upper case allowed, THREATS.md §3 rule 1).
    static func isValidTag(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, isWord(first), bytes.count <= maxTagLength else { return false }
        return bytes.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// A digest both `distribution/reference` and go-digest's `Parse` accept (THREATS.md §3 rule 1):
    /// the grammar allows any `algorithm:hex{32,}`, but go-digest then refuses every algorithm it has
    /// not registered and checks the length and lower-case hex of the registered ones. dockerd
    /// registers sha256 (64 hex), sha384 (96) and sha512 (128); anything else fails in dockerd too.
    static func isValidDigest(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return false }
        let algorithm = bytes[..<colon]
        let encoded = bytes[(colon + 1)...]
        let expectedLength: Int
        switch String(decoding: algorithm, as: UTF8.self) {
        case "sha256": expectedLength = 64
        case "sha384": expectedLength = 96
        case "sha512": expectedLength = 128
        default: return false
        }
        return encoded.count == expectedLength && encoded.allSatisfy(isLowerHex)
    }

    /// What dockerd may resolve by image-ID prefix search when the name lookup fails
    /// (THREATS.md §3 rule 8, row I-07): an optional "sha256:" followed by lower-case hex only.
    /// The graphdriver store (`digestset.Lookup`) accepts any such prefix; the containerd store's
    /// `truncatedID` accepts 4 to 64 digits. Lengths are not limited here, to cover both.
    static func isPossibleIDPrefix(_ bytes: [UInt8]) -> Bool {
        let prefix = Array("sha256:".utf8)
        let hex = bytes.starts(with: prefix) ? bytes[prefix.count...] : bytes[...]
        return !hex.isEmpty && hex.allSatisfy(isLowerHex)
    }
}
