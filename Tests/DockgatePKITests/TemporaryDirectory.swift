import Foundation
@testable import DockgatePKI

/// A fresh directory per test, removed when the test ends, so parallel tests never share a PKI.
final class TemporaryDirectory {
    let path: String

    init() throws {
        // Short names: the handshake test puts a unix socket in here (108-byte path limit).
        path = "/tmp/dgpki-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A PKI rooted in a subdirectory that does not exist yet, as `initialize` normally finds it.
    var pki: PKIDirectory { PKIDirectory(root: path + "/pki") }
}
