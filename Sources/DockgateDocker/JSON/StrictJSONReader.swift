/// Reads a request body exactly as dockerd's Go `encoding/json` will, or refuses it when Go could
/// read it in a way the policy would not see (THREATS.md §2, "What the Swift engine must do", step 1).
///
/// Strict RFC 8259 plus: no BOM, no invalid UTF-8 and no unpaired surrogate escapes (Go would make
/// them U+FFFD, G-13), no `\u0000` in keys, nothing but whitespace after the value (G-15), and no key
/// that repeats a field of the same object, by spelling or by Go's case folding (G-1, G-2, G-4…G-8).
/// Errors are reported for the first problem in document order, except `tooLarge`, checked first.
public struct StrictJSONReader: Sendable {
    /// The deepest nesting accepted whatever `maxDepth` says: `JSONValue` trees are compared and
    /// destroyed recursively, so the tree must stay shallow enough for any thread's stack.
    public static let depthCeiling = 1024

    /// Bodies longer than this are refused with `tooLarge` (a 413) before any parsing.
    public let maxBytes: Int
    /// Arrays plus objects nested deeper than this are refused with `tooDeep`.
    public let maxDepth: Int
    /// Refuse keys that differ but fold alike under Go's rules (`"Privileged"`, `"privileged"`).
    public let rejectFoldedDuplicates: Bool

    public init(maxBytes: Int = 4 * 1024 * 1024, maxDepth: Int = 64, rejectFoldedDuplicates: Bool = true) {
        self.maxBytes = max(0, maxBytes)
        self.maxDepth = min(max(0, maxDepth), Self.depthCeiling)
        self.rejectFoldedDuplicates = rejectFoldedDuplicates
    }

    /// `shape` says which objects are Go maps: their keys are compared exactly, everyone else's by
    /// Go's folding. Without it every object is read as a struct (the stricter reading).
    public func read(_ bytes: some Collection<UInt8>, shape: GoValueShape = .plain) throws(JSONReadError) -> JSONValue {
        guard bytes.count <= maxBytes else { throw .tooLarge(limit: maxBytes) }
        let result = bytes.withContiguousStorageIfAvailable { parse($0, shape) }
            ?? Array(bytes).withUnsafeBufferPointer { parse($0, shape) }
        return try result.get()
    }

    private func parse(_ buffer: UnsafeBufferPointer<UInt8>, _ shape: GoValueShape) -> Result<JSONValue, JSONReadError> {
        var parser = JSONParser(
            bytes: buffer, maxDepth: maxDepth, rejectFoldedDuplicates: rejectFoldedDuplicates, shape: shape)
        do throws(JSONReadError) {
            return .success(try parser.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}
