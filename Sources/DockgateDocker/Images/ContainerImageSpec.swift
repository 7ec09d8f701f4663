/// How dockerd reads `Config.Image` of `POST /containers/create` (and other "image or ID"
/// parameters resolved by `GetImage`): `ParseAnyReference`, then a name lookup, then an
/// **ID-prefix search on the raw text** when the name is not found (THREATS.md §3 rule 8, row I-07).
public enum ContainerImageSpec: Sendable, Equatable {
    /// A name that dockerd resolves only through its reference store.
    case reference(ImageReference)
    /// An image ID, or text dockerd may resolve as an ID prefix. The payload is the text exactly as
    /// given, which is what dockerd searches with. Covers "sha256:<64 hex>" (and the other digests
    /// go-digest accepts), a bare 64-hex string, and any text made only of lower-case hex digits,
    /// optionally after "sha256:" — e.g. "0ae06d", which also parses as the valid name
    /// docker.io/library/0ae06d:latest but, absent such a tag, runs whatever local image has that ID
    /// prefix [V]; or "sha256:0ae06d", the name docker.io/library/sha256 with tag "0ae06d", which
    /// dockerd 20.10's `digestset` also resolves as a prefix. A textual allowlist cannot judge these:
    /// resolve them through the daemon or deny (§3 rule 9).
    case imageID(String)

    /// Classifies `text` as dockerd would. Throws for text dockerd cannot parse either (after the
    /// ID forms): empty, upper-case path, invalid grammar, over-long path, bad digest.
    public static func parse(_ text: String) throws(ImageReferenceError) -> ContainerImageSpec {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        // ParseAnyReference: a 64-hex identifier, then anything digest.Parse accepts.
        if ImageReferenceGrammar.isIdentifier(bytes) || ImageReferenceGrammar.isValidDigest(bytes[...]) {
            return .imageID(text)
        }
        // Otherwise a name; if dockerd does not find it, it searches the raw text as an ID prefix.
        let reference = try ImageReference.parseNormalized(text)
        if ImageReferenceGrammar.isPossibleIDPrefix(bytes) { return .imageID(text) }
        return .reference(reference)
    }
}
