import Testing
@testable import DockgateDocker

/// Error messages are one safe sentence for a 400/413 body.
struct JSONReadErrorTests {
    /// Every case has a one-sentence message ending in a period.
    @Test(arguments: [
        JSONReadError.tooLarge(limit: 10), .tooDeep(limit: 64), .invalidUTF8(offset: 3), .byteOrderMark,
        .syntax(offset: 1, reason: "x"), .trailingData(offset: 2), .loneSurrogate(offset: 4), .nulInKey(offset: 5),
        .duplicateKey(path: "/HostConfig", key: "privileged"), .duplicateKey(path: "", key: "a"),
    ])
    func messagesAreSentences(error: JSONReadError) {
        #expect(error.message.hasSuffix("."))
        #expect(!error.message.contains("\n"))
        #expect(error.message.count > 20)
    }

    /// The duplicate-key message names the key and the object.
    @Test func duplicateKeyMessageNamesKeyAndPath() {
        let message = JSONReadError.duplicateKey(path: "/HostConfig", key: "privileged").message
        #expect(message.contains("\"privileged\""))
        #expect(message.contains("/HostConfig"))
        #expect(JSONReadError.duplicateKey(path: "", key: "a").message.contains("top-level"))
    }

    /// A hostile key cannot forge lines or bloat the message: controls are written out, length is capped.
    @Test func hostileKeysAreDefanged() {
        let message = JSONReadError.duplicateKey(path: "/a\nb", key: "x\r\ny\u{2028}" + String(repeating: "k", count: 10_000)).message
        #expect(!message.contains("\n"))
        #expect(!message.contains("\r"))
        #expect(!message.contains("\u{2028}"))
        #expect(message.contains("\\u{D}\\u{A}"))
        #expect(message.count < 300)
    }
}
