/// What Go type a JSON value is decoded into, as far as key matching cares: a struct matches keys
/// to fields case-insensitively (so two keys that fold alike are one field, THREATS G-1, G-2), a
/// map keeps every key exactly as sent (`team` and `Team` are two labels, G-16).
///
/// Only the way to the maps needs spelling out: a member not listed in a struct is read as a
/// struct, the stricter reading (two keys folding alike are refused).
public indirect enum GoValueShape: Sendable {
    /// A Go struct; `fields` lists the members whose values hold maps somewhere below.
    case structure(_ fields: [(name: String, shape: GoValueShape)])
    /// A Go map whose values have `valueShape`.
    case map(_ valueShape: GoValueShape)
    /// A Go slice or array whose elements have `elementShape`.
    case list(_ elementShape: GoValueShape)

    /// A struct (or scalar) with no maps below it.
    public static let plain = GoValueShape.structure([])
    /// `map[string]string` and alike.
    public static let stringMap = GoValueShape.map(.plain)

    /// Whether keys of an object with this shape are exact (a map) rather than folded (a struct).
    public var hasExactKeys: Bool {
        if case .map = self { return true }
        return false
    }

    /// The shape of the value under `key` of an object of this shape.
    public func member(_ key: String) -> GoValueShape {
        switch self {
        case .structure(let fields):
            // Go matches the key to a field as encoding/json does: by fold, compared as bytes.
            return fields.first { GoJSONFolding.equalFold($0.name, key) }?.shape ?? .plain
        case .map(let valueShape):
            return valueShape
        case .list:
            return .plain
        }
    }

    /// The shape of an element of an array of this shape.
    public var element: GoValueShape {
        if case .list(let elementShape) = self { return elementShape }
        return .plain
    }
}
