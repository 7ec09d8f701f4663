import DockgateDocker

/// Shared inputs for the image-reference tests.
enum ImageTestFixtures {
    /// A well-formed sha256 digest (64 lower-case hex digits).
    static let digest = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"
    /// A second, different sha256 digest.
    static let otherDigest = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
    /// A bare 64-hex image ID.
    static let hexID = String(repeating: "0ae06d5f", count: 8)

    /// Parses with `ImageReference.parseNormalized`, for tests that expect success.
    static func reference(_ text: String) throws -> ImageReference {
        try ImageReference.parseNormalized(text)
    }

    /// Parses with `ImagePattern.init`, for tests that expect success.
    static func pattern(_ text: String) throws -> ImagePattern {
        try ImagePattern(text)
    }
}
