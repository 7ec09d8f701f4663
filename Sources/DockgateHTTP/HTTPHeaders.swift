/// Header fields in the order received, names as sent; lookups are ASCII-case-insensitive.
///
/// Duplicates are kept as separate fields, never folded (RFC 9110 §5.3): the proxy forwards the head
/// bytes untouched, and policy code must see every occurrence the daemon will see.
public struct HTTPHeaders: Sendable, Equatable {
    public var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    /// Every value of the fields called `name`, in the order received.
    public func values(_ name: String) -> [String] {
        fields.compactMap { ASCII.equalsIgnoringCase($0.name, name) ? $0.value : nil }
    }

    /// The value of the first field called `name`.
    public func first(_ name: String) -> String? {
        fields.first { ASCII.equalsIgnoringCase($0.name, name) }?.value
    }

    /// The fields without those called any of `names`, in the order received.
    public func removing(_ names: String...) -> HTTPHeaders {
        HTTPHeaders(fields.filter { field in !names.contains { ASCII.equalsIgnoringCase(field.name, $0) } })
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// Equal when the same fields appear in the same order with the same spelling.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
