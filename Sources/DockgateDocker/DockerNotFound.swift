/// dockerd's own "not found" answers, for the few requests dockgate answers itself in the
/// daemon's words, so that a client sees exactly what the daemon would have said.
public enum DockerNotFound {
    /// What dockerd answers (404) for `GET /plugins/{name}/json` when no plugin has that name or
    /// id prefix: moby `plugin/errors.go`, `fmt.Sprintf("plugin %q not found", name)`.
    public static func pluginMessage(_ name: String) -> String {
        "plugin \(goQuoted(name)) not found"
    }

    /// Go's `%q` (`strconv.Quote`) as it renders a name from a request path: `"` and `\` escaped,
    /// control characters as `\a`…`\v` or `\xNN`, everything else literal (every non-ASCII
    /// scalar is taken as printable, which is what Go does for letters and marks).
    public static func goQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
