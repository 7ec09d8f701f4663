import Testing
@testable import DockgateSystemd

@Suite("JournalField names")
struct JournalFieldTests {
    /// Names journald accepts pass: upper case, digits after the first byte, underscores, up to 64 bytes.
    @Test(arguments: ["MESSAGE", "DOCKGATE_USER", "A", "X9", "A_B_C", String(repeating: "N", count: 64)])
    func acceptsValidNames(_ name: String) throws {
        let field = try JournalField(name: name, value: "v")
        #expect(field.name == name)
    }

    /// Names libsystemd (-EINVAL) or journald (silent drop) would refuse are rejected up front, with a reason.
    @Test(arguments: [
        ("", "the name is empty"),
        ("_SYSTEMD_UNIT", "names starting with _ are reserved for journald"),
        ("1ABC", "starts with a digit"),
        ("message", "only A-Z, 0-9 and _ are allowed"),
        ("DOCKGATE-USER", "only A-Z, 0-9 and _ are allowed"),
        ("MESSAGE=", "only A-Z, 0-9 and _ are allowed"),
        ("A\nB", "only A-Z, 0-9 and _ are allowed"),
        ("ÄRGER", "only A-Z, 0-9 and _ are allowed"),
        (String(repeating: "N", count: 65), "longer than 64 bytes"),
    ])
    func rejectsInvalidNames(_ name: String, _ reason: String) {
        #expect(throws: JournalError.invalidFieldName(name, reason: reason)) {
            try JournalField(name: name, value: "v")
        }
    }

    /// The error reads as a sentence for the operational log.
    @Test func errorMessageNamesTheField() {
        let error = JournalError.invalidFieldName("bad name", reason: "only A-Z, 0-9 and _ are allowed")
        #expect(error.description == "invalid journal field name \"bad name\": only A-Z, 0-9 and _ are allowed")
    }
}
