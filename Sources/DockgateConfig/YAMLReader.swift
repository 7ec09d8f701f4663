import DockgateCore
import Foundation
import Yams

/// Typed access to YAML nodes that turns every surprise into a located `ConfigurationError`.
struct YAMLReader {
    let file: String

    func error(_ node: Node, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node.mark?.line, column: node.mark?.column, message: message)
    }

    /// A mapping with string keys, each of them allowed; duplicate keys are refused.
    func mapping(_ node: Node, allowedKeys: Set<String>, context: String) throws(ConfigurationError) -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, "\(context) must be a mapping") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error(key, "\(context): keys must be plain strings") }
            guard allowedKeys.contains(name) else {
                let known = allowedKeys.sorted().joined(separator: ", ")
                throw error(key, "unknown key \"\(name)\" in \(context) (known keys: \(known))")
            }
            guard result[name] == nil else { throw error(key, "key \"\(name)\" appears twice in \(context)") }
            result[name] = value
        }
        return result
    }

    func sequenceNodes(_ node: Node) -> [Node] { node.sequence.map(Array.init) ?? [] }

    func sequence(_ node: Node, context: String) throws(ConfigurationError) -> [Node] {
        guard let sequence = node.sequence else { throw error(node, "\(context) must be a list") }
        return Array(sequence)
    }

    func string(_ node: Node, context: String) throws(ConfigurationError) -> String {
        guard let scalar = node.scalar else { throw error(node, "\(context) must be a string") }
        return scalar.string
    }

    func requiredString(_ map: [String: Node], _ key: String, in parent: Node, context: String) throws(ConfigurationError) -> String {
        guard let node = map[key] else { throw error(parent, "\(context) is missing required key \"\(key)\"") }
        let value = try string(node, context: "\(context).\(key)")
        guard !value.isEmpty else { throw error(node, "\(context).\(key) must not be empty") }
        return value
    }

    func address(_ node: Node, context: String) throws(ConfigurationError) -> SocketAddress {
        let text = try string(node, context: context)
        do {
            return try SocketAddress(parsing: text)
        } catch {
            throw self.error(node, "\(context): \(error)")
        }
    }

    func bool(_ node: Node, context: String) throws(ConfigurationError) -> Bool {
        switch try string(node, context: context) {
        case "true": return true
        case "false": return false
        case let other: throw error(node, "\(context) must be true or false, not \"\(other)\"")
        }
    }

    /// A SHA-256 certificate fingerprint: 64 hex digits, colons allowed, stored lower-case without colons.
    func fingerprint(_ node: Node, context: String) throws(ConfigurationError) -> String {
        let text = try string(node, context: context).lowercased().replacingOccurrences(of: ":", with: "")
        // Bytes, not Characters: `Character.isHexDigit` also accepts full-width digits.
        guard text.utf8.count == 64, text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw error(node, "\(context): a fingerprint must be a SHA-256 hex digest (64 hex digits, colons allowed)")
        }
        return text
    }

    /// "10s", "2m", "500ms", "1h" or a plain number of seconds; must be positive.
    func duration(_ node: Node, context: String) throws(ConfigurationError) -> Double {
        let text = try string(node, context: context)
        guard let seconds = Self.parseDuration(text), seconds > 0 else {
            throw error(node, "\(context) must be a positive duration like 10s, 2m or 500ms, not \"\(text)\"")
        }
        return seconds
    }

    static func parseDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)) else { return nil }
            return value * scale
        }
        return Double(text)
    }
}
