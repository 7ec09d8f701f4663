/// What Go type a JSON value is decoded into, as far as key matching cares: a struct matches keys
/// to fields case-insensitively (so two keys that fold alike are one field, THREATS G-1, G-2), a
/// map keeps every key exactly as sent (`team` and `Team` are two labels, G-16).
///
/// Only the way to the maps needs spelling out: a member not listed in a struct is read as a
/// struct, the stricter reading (two keys folding alike are refused).
///
/// A struct with arrays rather than an indirect enum: the shapes live in global constants, and
/// LeakSanitizer cannot follow the tagged pointers of an indirect enum's boxes held there.
public struct GoValueShape: Sendable {
    enum Kind: Sendable {
        case structure, map, list
    }

    let kind: Kind
    /// A struct's members whose values hold maps somewhere below.
    let fields: [(name: String, shape: GoValueShape)]
    /// A map's value shape or a list's element shape (one element), empty for a struct.
    let inner: [GoValueShape]

    /// A Go struct; `fields` lists the members whose values hold maps somewhere below.
    public static func structure(_ fields: [(name: String, shape: GoValueShape)]) -> GoValueShape {
        GoValueShape(kind: .structure, fields: fields, inner: [])
    }

    /// A Go map whose values have `valueShape`.
    public static func map(_ valueShape: GoValueShape) -> GoValueShape {
        GoValueShape(kind: .map, fields: [], inner: [valueShape])
    }

    /// A Go slice or array whose elements have `elementShape`.
    public static func list(_ elementShape: GoValueShape) -> GoValueShape {
        GoValueShape(kind: .list, fields: [], inner: [elementShape])
    }

    /// A struct (or scalar) with no maps below it.
    public static let plain = GoValueShape.structure([])
    /// `map[string]string` and alike.
    public static let stringMap = GoValueShape.map(.plain)

    /// Whether keys of an object with this shape are exact (a map) rather than folded (a struct).
    public var hasExactKeys: Bool { kind == .map }

    /// The shape of the value under `key` of an object of this shape.
    public func member(_ key: String) -> GoValueShape {
        switch kind {
        case .structure:
            // Go matches the key to a field as encoding/json does: by fold, compared as bytes.
            return fields.first { GoJSONFolding.equalFold($0.name, key) }?.shape ?? .plain
        case .map:
            return inner.first ?? .plain
        case .list:
            return .plain
        }
    }

    /// The shape of an element of an array of this shape.
    public var element: GoValueShape {
        kind == .list ? inner.first ?? .plain : .plain
    }
}
