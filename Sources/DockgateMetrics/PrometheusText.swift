/// The Prometheus text exposition format, version 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func append(_ family: MetricFamily, to text: inout String) {
        text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
        text += "# TYPE \(family.name) \(family.kind.typeName)\n"
        // Sorted, so two scrapes of the same state are byte-identical.
        for labels in family.series.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let pairs = Array(zip(family.labelNames, labels))
            switch family.series[labels]! {
            case .scalar(let value):
                text += "\(family.name)\(labelBlock(pairs)) \(format(value))\n"
            case .histogram(let histogram):
                var cumulative: UInt64 = 0
                for (bound, count) in zip(histogram.bounds, histogram.counts) {
                    cumulative += count
                    text += "\(family.name)_bucket\(labelBlock(pairs + [("le", format(bound))])) \(cumulative)\n"
                }
                text += "\(family.name)_bucket\(labelBlock(pairs + [("le", "+Inf")])) \(histogram.count)\n"
                text += "\(family.name)_sum\(labelBlock(pairs)) \(format(histogram.sum))\n"
                text += "\(family.name)_count\(labelBlock(pairs)) \(histogram.count)\n"
            }
        }
    }

    static func labelBlock(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Label values: backslash, double quote and line feed are escaped (`\\`, `\"`, `\n`).
    public static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// HELP text: only backslash and line feed are escaped.
    public static func escapeHelp(_ help: String) -> String {
        var out = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Integral values without a fraction (`3`, not `3.0`), as client_golang writes them; others in
    /// Swift's shortest round-tripping form, which Prometheus parses (`0.005`, `1e-05`).
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isValidName(_ name: String) -> Bool {
        isIdentifier(name, extra: UInt8(ascii: ":"))
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved).
    static func isValidLabelName(_ name: String) -> Bool {
        isIdentifier(name, extra: nil) && !name.hasPrefix("__") && name != "le"
    }

    private static func isIdentifier(_ name: String, extra: UInt8?) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else { return false }
        func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == extra }
        return isLetter(first) && bytes.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}
