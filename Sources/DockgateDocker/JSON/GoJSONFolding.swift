/// Go's `encoding/json` key folding (`fold.go`: `foldName`/`foldRune`), the rule by which dockerd
/// matches a JSON key to a struct field (THREATS.md G-1, G-2): ASCII letters are upper-cased; any
/// other rune is replaced by the smallest rune of its Unicode simple-fold orbit, so "ſ" U+017F ≡ "s"
/// and "K" U+212A ≡ "k", while "ı" U+0131 and "İ" U+0130 match nothing but themselves.
///
/// Compare folded keys with `equalFold` or by UTF-8 bytes, never with Swift's `String ==`, which
/// applies canonical equivalence (`"e\u{301}" == "é"`) where Go compares bytes.
public enum GoJSONFolding {
    /// Go's encoding/json key folding: ASCII letters upper-cased; any other rune replaced by the smallest
    /// rune of its Unicode simple-fold orbit (so "ſ" U+017F ≡ "s", "K" U+212A ≡ "k"). Two keys match a struct
    /// field iff fold(a) == fold(b).
    public static func fold(_ key: String) -> String {
        if isASCII(key) {
            return String(decoding: key.utf8.map(upperASCII), as: UTF8.self)
        }
        var out = String.UnicodeScalarView()
        for scalar in key.unicodeScalars {
            out.append(foldScalar(scalar))
        }
        return String(out)
    }

    /// One rune of `fold`: Go's `foldRune` for non-ASCII, upper-casing for ASCII letters.
    public static func foldScalar(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return Unicode.Scalar(upperASCII(UInt8(scalar.value)))
        }
        return Unicode.Scalar(GoSimpleFoldTable.orbitMinimum(of: scalar.value)) ?? scalar
    }

    /// Whether every byte of the key is ASCII (a restricted policy rejects other keys in known
    /// objects: THREATS.md §2, step 3).
    public static func isASCII(_ key: String) -> Bool {
        key.utf8.allSatisfy { $0 < 0x80 }
    }

    /// `fold(a) == fold(b)` compared byte for byte, without allocating for ASCII keys.
    public static func equalFold(_ a: String, _ b: String) -> Bool {
        if isASCII(a), isASCII(b) {
            return a.utf8.elementsEqual(b.utf8) { upperASCII($0) == upperASCII($1) }
        }
        // Folding maps one scalar to one scalar, so comparing scalar by scalar is comparing the folds.
        return a.unicodeScalars.elementsEqual(b.unicodeScalars) { foldScalar($0) == foldScalar($1) }
    }

    /// The folded key as bytes, for hashing in duplicate detection.
    public static func foldedBytes(_ key: String) -> [UInt8] {
        if isASCII(key) {
            return key.utf8.map(upperASCII)
        }
        return Array(fold(key).utf8)
    }

    @inline(__always)
    static func upperASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 0x20 : byte
    }
}
