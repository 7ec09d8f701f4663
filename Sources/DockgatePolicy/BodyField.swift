import DockgateDocker

/// A body that dockerd would refuse to decode (a type mismatch is a 400 there too), or that
/// dockgate refuses to read because it could be read two ways.
struct BodyFieldError: Error, Sendable {
    let field: String
    let reason: String
}

/// Typed reads of JSON members with Go's `encoding/json` rules: `null` into a bool, number or
/// string is a no-op (the field keeps its zero value), into a slice, map or pointer it is nil.
/// Either way dockerd treats it as absent, so these accessors return nil for it.
enum BodyField {
    static func bool(_ value: JSONValue?, _ field: String) throws(BodyFieldError) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw BodyFieldError(field: field, reason: "must be a boolean")
        }
    }

    static func string(_ value: JSONValue?, _ field: String) throws(BodyFieldError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw BodyFieldError(field: field, reason: "must be a string")
        }
    }

    static func integer(_ value: JSONValue?, _ field: String) throws(BodyFieldError) -> Int64? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)?:
            guard let integer = number.int64Value else { throw BodyFieldError(field: field, reason: "must be an integer") }
            return integer
        default: throw BodyFieldError(field: field, reason: "must be a number")
        }
    }

    static func strings(_ value: JSONValue?, _ field: String) throws(BodyFieldError) -> [String]? {
        switch value {
        case nil, .null?: return nil
        case .array(let items)?:
            var result: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw BodyFieldError(field: field, reason: "must be a list of strings") }
                result.append(text)
            }
            return result
        default: throw BodyFieldError(field: field, reason: "must be a list of strings")
        }
    }

    static func array(_ value: JSONValue?, _ field: String) throws(BodyFieldError) -> [JSONValue]? {
        switch value {
        case nil, .null?: return nil
        case .array(let items)?: return items
        default: throw BodyFieldError(field: field, reason: "must be a list")
        }
    }

    static func object(_ value: JSONValue?, _ field: String) throws(BodyFieldError) -> JSONObject? {
        switch value {
        case nil, .null?: return nil
        case .object(let object)?: return object
        default: throw BodyFieldError(field: field, reason: "must be an object")
        }
    }

    /// The zero value dockerd would also get from an absent field. A non-zero value in a field
    /// dockgate does not know is denied: a newer daemon may honour it (THREATS rule 2).
    static func isZero(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return true
        case .bool(let flag): return !flag
        case .number(let number): return number.doubleValue == 0
        case .string(let text): return text.isEmpty
        case .array(let items): return items.isEmpty
        case .object(let object): return object.members.allSatisfy { isZero($0.value) }
        }
    }
}
