/// Host paths compared as the kernel compares them: byte for byte.
///
/// Swift's `String` equality and `hasPrefix` use Unicode canonical equivalence ("e\u{301}" ==
/// "é"), and a combining mark after "/" forms one `Character` with it; the kernel sees two
/// different names in those cases. Every bind-path decision goes through these byte views.
enum HostPath {
    static let slash = UInt8(ascii: "/")

    /// The non-empty components between slashes, as bytes.
    static func components(_ path: String) -> [ArraySlice<UInt8>] {
        Array(path.utf8).split(separator: slash, omittingEmptySubsequences: true)
    }

    static func isAbsolute(_ path: String) -> Bool { path.utf8.first == slash }

    static func isDotDot(_ component: ArraySlice<UInt8>) -> Bool { component.elementsEqual("..".utf8) }
    static func isDot(_ component: ArraySlice<UInt8>) -> Bool { component.elementsEqual(".".utf8) }

    /// "/" followed by the components joined with "/". The pieces come from a valid UTF-8
    /// string split at an ASCII byte, so they stay valid UTF-8.
    static func join(_ components: [ArraySlice<UInt8>]) -> String {
        var bytes: [UInt8] = []
        for component in components {
            bytes.append(slash)
            bytes.append(contentsOf: component)
        }
        return bytes.isEmpty ? "/" : String(decoding: bytes, as: UTF8.self)
    }

    /// Byte-wise: `path` is `root` or lies below it.
    static func isWithin(_ path: String, root: String) -> Bool {
        var rootBytes = Array(root.utf8)
        if rootBytes.count > 1 && rootBytes.last == slash { rootBytes.removeLast() }
        let pathBytes = Array(path.utf8)
        if pathBytes.elementsEqual(rootBytes) { return true }
        if rootBytes == [slash] { return pathBytes.first == slash }
        return pathBytes.starts(with: rootBytes + [slash])
    }
}
