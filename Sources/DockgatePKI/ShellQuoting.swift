/// Quoting for the copy-paste instructions printed to users: paths may contain spaces or quotes,
/// and a pasted line must do exactly what it says, never run something else.
enum ShellQuoting {
    /// Returns `word` unchanged when it consists of characters the shell treats literally,
    /// otherwise single-quoted (the only shell quoting with no special characters inside).
    /// With `alwaysQuote`, plain words get double quotes for readability.
    static func quote(_ word: String, alwaysQuote: Bool = false) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy(isPlain)
        if plain { return alwaysQuote ? "\"" + word + "\"" : word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Quotes one field of docker's `--docker key=value,...` option, which docker parses as CSV.
    static func csvField(_ field: String) -> String {
        guard field.contains(",") || field.contains("\"") else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "/", ":", "=", ",", "@", "+", "-", "%": return true
        default: return false
        }
    }
}
