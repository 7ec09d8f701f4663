/// One `NAME=value` field of a journal entry.
///
/// The name is checked here because libsystemd answers `-EINVAL` for a name containing `=` or a
/// newline, and journald silently drops fields whose names it considers invalid (journal-file.c
/// `journal_field_valid`): only `A-Z`, `0-9` and `_`, not starting with a digit, at most 64 bytes,
/// and not starting with `_`, which is reserved for the trusted fields journald adds itself.
/// Values are free-form: `JournalWriter` sends any value containing a newline in the length-prefixed
/// form, so a value can never start a field of its own.
public struct JournalField: Sendable, Equatable {
    public let name: String
    public let value: String

    public static let maximumNameLength = 64

    public init(name: String, value: String) throws(JournalError) {
        if let reason = Self.invalidity(of: name) { throw .invalidFieldName(name, reason: reason) }
        self.name = name
        self.value = value
    }

    /// Why `name` is not a valid journal field name, or nil when it is.
    public static func invalidity(of name: String) -> String? {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else { return "the name is empty" }
        guard bytes.count <= maximumNameLength else { return "longer than \(maximumNameLength) bytes" }
        guard first != UInt8(ascii: "_") else { return "names starting with _ are reserved for journald" }
        guard !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return "starts with a digit" }
        for byte in bytes {
            let isUpper = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            let isDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            guard isUpper || isDigit || byte == UInt8(ascii: "_") else {
                return "only A-Z, 0-9 and _ are allowed"
            }
        }
        return nil
    }
}
