/// How a request names a container: dockerd accepts the full id, a unique id prefix, or the name
/// (with or without the leading `/`; daemon/container.go `GetContainer`).
enum ContainerReference {
    static func normalized(_ text: String) -> String {
        text.hasPrefix("/") ? String(text.dropFirst()) : text
    }

    /// Lowercase hex, the shape of an id or id prefix (a name may look like one too).
    static func looksLikeID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 &- 0x30) < 10 || ($0 &- 0x61) < 6 }
    }

    /// `reference` (from a request) names the container with full id `id`.
    static func reference(_ reference: String, matchesID id: String) -> Bool {
        looksLikeID(reference) && id.hasPrefix(reference)
    }
}
