import Testing
@testable import DockgateDocker

/// Numbers follow `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?` exactly and keep their literal,
/// because Go's result depends on the spelling (THREATS.md G-14: `1e2` or `1.0` into int64 is a 400).
struct StrictJSONReaderNumberTests {
    /// Every form the grammar allows reads, with the literal kept byte for byte.
    @Test(arguments: ["0", "-0", "10", "-10", "1.5", "-0.0", "0.25", "1e2", "1E2", "1e+2", "1e-2", "-1.5E-10",
                      "123456789012345678901234567890", "9223372036854775807", "0e0", "1.0"])
    func validLiteralsAreKept(literal: String) throws {
        #expect(try JSONTest.read(literal) == .number(JSONNumber(uncheckedLiteral: literal)))
        #expect(try JSONTest.read("[\(literal)]").arrayValue?.first?.numberValue?.literal == literal)
        #expect(JSONNumber(literal)?.literal == literal)
    }

    /// Leading zeros, a bare `-`, `1.`, `.5`, `+1`, empty exponents, hex, and NaN/Infinity are syntax errors.
    @Test(arguments: ["01", "-01", "00", "-", "1.", "-1.", ".5", "+1", "1e", "1e+", "1E-", "0x10", "1.e2", "--1",
                      "- 1", "1.5.2", "[01]", "[1.]", "{\"a\":-}", "0.e1"])
    func invalidLiteralsAreRejected(text: String) {
        let error = JSONTest.error(text)
        let isRejected: Bool
        switch error {
        case .syntax?, .trailingData?: isRejected = true
        default: isRejected = false
        }
        #expect(isRejected, "\(text): \(String(describing: error))")
        #expect(JSONNumber(text) == nil)
    }

    /// The specific reasons for the classic mistakes, at the offending byte.
    @Test func invalidLiteralErrorsPointAtTheByte() {
        #expect(JSONTest.error("01") == .syntax(offset: 1, reason: "numbers must not have leading zeros"))
        #expect(JSONTest.error("1.") == .syntax(offset: 2, reason: "a decimal point must be followed by a digit"))
        #expect(JSONTest.error("[1e]") == .syntax(offset: 3, reason: "an exponent needs a digit"))
        #expect(JSONTest.error("-x") == .syntax(offset: 1, reason: "a number needs a digit here"))
    }

    /// `1e2` keeps its literal and is not an integer: Go refuses it for an int64 field.
    @Test func exponentLiteralIsNotInteger() throws {
        let number = try #require(try JSONTest.read("1e2").numberValue)
        #expect(number.literal == "1e2")
        #expect(!number.isInteger)
        #expect(number.int64Value == nil)
        #expect(number.doubleValue == 100)
    }

    /// Only plain integer literals have an int64 value, and only within Int64's range (Go's ParseInt).
    @Test func int64ValueFollowsParseInt() throws {
        #expect(JSONNumber("10")?.int64Value == 10)
        #expect(JSONNumber("-0")?.int64Value == 0)
        #expect(JSONNumber("9223372036854775807")?.int64Value == Int64.max)
        #expect(JSONNumber("-9223372036854775808")?.int64Value == Int64.min)
        #expect(JSONNumber("9223372036854775808")?.int64Value == nil)
        #expect(JSONNumber("-9223372036854775809")?.int64Value == nil)
        #expect(JSONNumber("1.0")?.int64Value == nil)
        #expect(JSONNumber("1.0")?.isInteger == false)
        #expect(JSONNumber("1E0")?.isInteger == false)
    }

    /// A float literal that overflows float64 has no double value (Go's ParseFloat reports ErrRange).
    @Test func doubleValueRejectsOverflow() {
        #expect(JSONNumber("1e400")?.doubleValue == nil)
        #expect(JSONNumber("-1e400")?.doubleValue == nil)
        #expect(JSONNumber("1.5e9")?.doubleValue == 1.5e9)
        #expect(JSONNumber("-0")?.doubleValue?.sign == .minus)
    }

    /// Numbers compare by literal: `1.0` and `1`, `1e2` and `100` are different trees.
    @Test func numbersCompareByLiteral() {
        #expect(JSONNumber("1.0") != JSONNumber("1"))
        #expect(JSONNumber("1e2") != JSONNumber("100"))
        #expect(JSONNumber(Int64(-5)).literal == "-5")
    }
}
