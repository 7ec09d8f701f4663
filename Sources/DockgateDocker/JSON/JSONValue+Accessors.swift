/// Typed views of a `JSONValue`, each `nil` when the value has another JSON type. Go's decoder
/// rejects type mismatches (THREATS.md G-14), so a policy needs to tell "absent", "null" and
/// "wrong type" apart; these accessors never coerce (no `"true"` → `true`, no `1` → `true`).
extension JSONValue {
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case let .bool(value) = self { return value }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case let .number(value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case let .array(value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case let .object(value) = self { return value }
        return nil
    }
}
