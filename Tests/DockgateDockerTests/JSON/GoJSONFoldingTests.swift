import Testing
@testable import DockgateDocker

/// `GoJSONFolding` mirrors Go's `encoding/json` `foldName` (THREATS.md G-1, G-2): ASCII letters
/// upper-cased, other runes mapped to the smallest rune of their simple-fold orbit.
struct GoJSONFoldingTests {
    /// ſ U+017F, s and S fold alike (orbit {S, s, ſ}, smallest "S").
    @Test func longSFoldsToS() {
        #expect(GoJSONFolding.fold("\u{17F}") == GoJSONFolding.fold("s"))
        #expect(GoJSONFolding.fold("s") == GoJSONFolding.fold("S"))
        #expect(GoJSONFolding.fold("\u{17F}") == "S")
        #expect(GoJSONFolding.fold("Bind\u{17F}") == "BINDS")
    }

    /// The Kelvin sign U+212A folds with k and K (orbit {K, k, K}).
    @Test func kelvinSignFoldsToK() {
        #expect(GoJSONFolding.fold("\u{212A}").utf8.elementsEqual(GoJSONFolding.fold("k").utf8))
        #expect(Array(GoJSONFolding.fold("Networ\u{212A}Mode").utf8) == Array("NETWORKMODE".utf8))
    }

    /// The Ångström sign U+212B, å U+00E5 and Å U+00C5 share one orbit, whose smallest member is U+00C5;
    /// none of them matches ASCII "A".
    @Test func angstromSignFoldsWithARing() {
        let expected = Array("\u{C5}".utf8)
        #expect(Array(GoJSONFolding.fold("\u{212B}").utf8) == expected)
        #expect(Array(GoJSONFolding.fold("\u{E5}").utf8) == expected)
        #expect(Array(GoJSONFolding.fold("\u{C5}").utf8) == expected)
        #expect(!GoJSONFolding.equalFold("\u{212B}", "A"))
    }

    /// ı U+0131 and İ U+0130 have no simple case folding (CaseFolding.txt gives them only T/F entries), so
    /// each is alone in its orbit and matches neither "i" nor "I", as in Go.
    @Test func turkishDotlessAndDottedIFoldToThemselves() {
        #expect(GoJSONFolding.foldScalar("\u{131}") == "\u{131}")
        #expect(GoJSONFolding.foldScalar("\u{130}") == "\u{130}")
        #expect(!GoJSONFolding.equalFold("\u{131}", "i"))
        #expect(!GoJSONFolding.equalFold("\u{131}", "I"))
        #expect(!GoJSONFolding.equalFold("\u{130}", "i"))
        #expect(!GoJSONFolding.equalFold("\u{130}", "I"))
        #expect(!GoJSONFolding.equalFold("\u{130}", "\u{131}"))
    }

    /// Orbits of three and more fold to their smallest member: µ U+00B5 / Μ / μ, ß / ẞ, θ / ϑ / Θ / ϴ.
    @Test func largerOrbitsFoldToTheirMinimum() {
        for member in ["\u{B5}", "\u{39C}", "\u{3BC}"] {
            #expect(GoJSONFolding.foldScalar(member.unicodeScalars.first!) == "\u{B5}")
        }
        #expect(GoJSONFolding.foldScalar("\u{1E9E}") == "\u{DF}")
        #expect(GoJSONFolding.foldScalar("\u{DF}") == "\u{DF}")
        for member in ["\u{398}", "\u{3B8}", "\u{3D1}", "\u{3F4}"] {
            #expect(GoJSONFolding.foldScalar(member.unicodeScalars.first!) == "\u{398}")
        }
    }

    /// ASCII: letters upper-cased, everything else (digits, punctuation, controls) unchanged.
    @Test func asciiFolding() {
        #expect(GoJSONFolding.fold("cpuShares_1-x.Y") == "CPUSHARES_1-X.Y")
        #expect(GoJSONFolding.fold("@[`{") == "@[`{")
        #expect(GoJSONFolding.fold("") == "")
    }

    /// Folding is idempotent and `equalFold` agrees with comparing the folds' bytes.
    @Test(arguments: ["Privileged", "PRIVILEGED", "Bind\u{17F}", "Mas\u{212A}edPaths", "\u{212B}ngstr\u{F6}m", "\u{130}\u{131}", "e\u{301}", "\u{1F600}x"])
    func foldIsConsistent(key: String) {
        let once = GoJSONFolding.fold(key)
        #expect(Array(GoJSONFolding.fold(once).utf8) == Array(once.utf8))
        for other in ["privileged", "binds", "maskedpaths", "\u{E5}NGSTR\u{D6}M", "\u{130}\u{131}", "\u{E9}", "\u{1F600}X"] {
            let sameFold = Array(GoJSONFolding.fold(key).utf8) == Array(GoJSONFolding.fold(other).utf8)
            #expect(GoJSONFolding.equalFold(key, other) == sameFold, "\(key) vs \(other)")
        }
    }

    /// Every table entry maps to a minimum that maps to itself, and the table is sorted for search.
    @Test func tableIsWellFormed() {
        let pairs = GoSimpleFoldTable.pairs
        #expect(pairs.count % 2 == 0)
        for index in stride(from: 0, to: pairs.count, by: 2) {
            #expect(pairs[index] >= 0x80)
            #expect(pairs[index + 1] < pairs[index])
            #expect(GoSimpleFoldTable.orbitMinimum(of: pairs[index + 1]) == pairs[index + 1])
            if index >= 2 { #expect(pairs[index - 2] < pairs[index]) }
        }
    }

    /// isASCII is true exactly when every byte is below 0x80.
    @Test func isASCIIChecksEveryByte() {
        #expect(GoJSONFolding.isASCII("HostConfig"))
        #expect(GoJSONFolding.isASCII(""))
        #expect(!GoJSONFolding.isASCII("Bind\u{17F}"))
        #expect(!GoJSONFolding.isASCII("\u{80}"))
    }
}
