import DockgateCore

/// Go's `path.Clean` (and so `filepath.Clean` on Linux), byte for byte: dockerd stores and uses
/// container paths after it, so `//proc/x` and `/tmp/../proc/x` are `/proc/x` to the daemon and
/// must be judged as such (THREATS C-11).
///
/// Rules (Go `path.Clean`): collapse repeated slashes; drop `.` elements; drop each `..` with the
/// element before it; drop `..` that begin a rooted path; an empty result is `.`.
public enum GoPath {
    public static func clean(_ path: String) -> String {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty else { return "." }
        let rooted = bytes[0] == UInt8(ascii: "/")
        var elements: [ArraySlice<UInt8>] = []
        for element in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if element.elementsEqual(".".utf8) { continue }
            if element.elementsEqual("..".utf8) {
                if let last = elements.last, !last.elementsEqual("..".utf8) {
                    elements.removeLast()
                } else if !rooted {
                    elements.append(element)
                }
                continue
            }
            elements.append(element)
        }
        var result: [UInt8] = rooted ? [UInt8(ascii: "/")] : []
        for (index, element) in elements.enumerated() {
            if index > 0 { result.append(UInt8(ascii: "/")) }
            result.append(contentsOf: element)
        }
        if result.isEmpty { return "." }
        return String(decoding: result, as: UTF8.self)
    }

    /// Whether the cleaned absolute `path` is `root` or below it, comparing bytes.
    public static func isWithin(_ path: String, root: String) -> Bool {
        if root.hasSameBytes(as: "/") { return path.startsWithBytes(of: "/") }
        return path.hasSameBytes(as: root) || path.startsWithBytes(of: root + "/")
    }
}
