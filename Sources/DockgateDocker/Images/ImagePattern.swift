/// One entry of an "allowed images" list, written over the normalized form
/// `domain/path[:tag][@digest]` with `*` wildcards (THREATS.md §3 rule 9).
///
/// **Expansion.** A pattern is split exactly like a reference (§3 rule 2), so shorthand expands the
/// same way: "busybox*" means `docker.io/library/busybox*` with any tag (`description` shows
/// "docker.io/library/busybox*:*"); "busybox:1.36" means exactly that tag; "ghcr.io/org/*" means any
/// repository under ghcr.io/org/ with any tag; "docker.io/library/alpine@sha256:…" pins a digest.
/// Consequences worth knowing: "docker.io/*" expands to "docker.io/library/*" (use "docker.io/*/*"
/// for all of Docker Hub), and "*" alone means every official image, not every image.
///
/// **Wildcards.** `*` matches any run of characters, possibly empty, *including* "/", inside the
/// part it is written in; the domain, the path and the tag are matched separately, and
/// case-sensitively. So "busybox*" is a *prefix* pattern: it also admits
/// `docker.io/library/busyboxevil` and `docker.io/library/busybox/x`; write "busybox" to allow
/// exactly that repository (any tag). A domain is never rewritten other than
/// `index.docker.io` → `docker.io`: "Docker.IO/…", "registry-1.docker.io/…" and "docker.io:443/…"
/// must be listed verbatim (§3 rule 3).
///
/// **Tags and digests** (§3 rule 5). No tag part: any tag. A tag part is matched against the
/// reference's tag (a reference with a digest and no tag has the empty tag, which only `*` matches).
/// A reference that carries a digest is allowed only by a pattern whose digest part is that exact
/// digest or `*`; a pattern without a digest part never admits a digest reference, because the
/// digest, not the tag, decides the content. A pinned digest part admits only references with that
/// digest; the digest part `*` admits any digest or none.
public struct ImagePattern: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written in the configuration.
    public let text: String
    /// Domain pattern after expansion ("docker.io", "ghcr.io", "*.example.com").
    let domain: [UInt8]
    /// Path pattern after expansion ("library/busybox*").
    let path: [UInt8]
    /// Tag pattern; nil means any tag.
    let tag: [UInt8]?
    /// Digest part: nil (digest references refused), "*" (any digest or none), or one exact digest.
    let digest: [UInt8]?

    /// Parses and validates `text`: non-empty, printable ASCII, at most one "@", `*` allowed in the
    /// domain, path and tag, and as the *whole* digest part only. With every `*` read as "0", the
    /// domain, path and tag must satisfy the reference grammar (§3 rule 1), the path must be lower
    /// case (rule 4) and at most 255 characters; a digest part must be a digest dockerd accepts.
    public init(_ text: String) throws(ImageReferenceError) {
        typealias Grammar = ImageReferenceGrammar
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard Grammar.isPrintableASCII(bytes) else { throw .invalidFormat("characters outside the reference grammar") }
        let parts = try ImageReferenceParts.split(bytes)

        if let digest = parts.digest, digest != [ImageWildcard.star] {
            let digestText = String(decoding: digest, as: UTF8.self)
            guard !digest.contains(ImageWildcard.star) else {
                throw .invalidFormat("\"*\" is allowed in a digest only as the whole digest: \(digestText)")
            }
            guard Grammar.isValidDigest(digest[...]) else { throw .invalidDigest(digestText) }
        }
        let pathText = String(decoding: parts.path, as: UTF8.self)
        guard !Grammar.containsUpper(parts.path) else { throw .upperCaseRepository(pathText) }
        guard Grammar.isValidDomain(Self.asGrammarSample(parts.domain)) else {
            throw .invalidFormat("invalid registry domain \"\(String(decoding: parts.domain, as: UTF8.self))\"")
        }
        guard Grammar.isValidPath(Self.asGrammarSample(parts.path)) else {
            throw .invalidFormat("invalid repository path \"\(pathText)\"")
        }
        guard parts.path.count <= Grammar.maxPathLength else { throw .nameTooLong }
        if let tag = parts.tag, !Grammar.isValidTag(Self.asGrammarSample(tag)) {
            throw .invalidTag(String(decoding: tag, as: UTF8.self))
        }
        self.text = text
        self.domain = parts.domain
        self.path = parts.path
        self.tag = parts.tag
        self.digest = parts.digest
    }

    /// The expanded form, "domain/path:tag[@digest]", with ":*" when no tag is restricted.
    public var description: String {
        var expanded = String(decoding: domain, as: UTF8.self) + "/" + String(decoding: path, as: UTF8.self)
        expanded += ":" + (tag.map { String(decoding: $0, as: UTF8.self) } ?? "*")
        if let digest { expanded += "@" + String(decoding: digest, as: UTF8.self) }
        return expanded
    }

    /// True when this pattern allows `reference` (rules in the type's documentation).
    public func matches(_ reference: ImageReference) -> Bool {
        guard matchesName(domain: Array(reference.domain.utf8), path: Array(reference.path.utf8)) else {
            return false
        }
        switch digest {
        case nil:
            guard reference.digest == nil else { return false }
        case let pinned? where pinned != [ImageWildcard.star]:
            guard let actual = reference.digest, Array(actual.utf8) == pinned else { return false }
        default:
            break
        }
        if let tag, !ImageWildcard.matches(tag, Array((reference.tag ?? "").utf8)) { return false }
        return true
    }

    /// For a pull of every tag (`PullTarget.allTags`, THREATS.md §3 rule 6): true only when the
    /// pattern restricts no tag (no tag part, or a tag part made only of `*`), has no digest part,
    /// and its domain and path match `repository` ("domain/path").
    public func matchesAllTags(ofRepository repository: String) -> Bool {
        guard digest == nil else { return false }
        if let tag, !ImageWildcard.isMatchAll(tag) { return false }
        let bytes = Array(repository.utf8)
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return false }
        return matchesName(domain: Array(bytes[..<slash]), path: Array(bytes[(slash + 1)...]))
    }

    /// `matches(_:)` or `matchesAllTags(ofRepository:)`, whichever the pull target calls for.
    public func matches(_ target: PullTarget) -> Bool {
        switch target {
        case .reference(let reference): return matches(reference)
        case .allTags(let repository): return matchesAllTags(ofRepository: repository)
        }
    }

    private func matchesName(domain candidateDomain: [UInt8], path candidatePath: [UInt8]) -> Bool {
        ImageWildcard.matches(domain, candidateDomain) && ImageWildcard.matches(path, candidatePath)
    }

    /// The part with every `*` replaced by "0", a character every production accepts, so the
    /// grammar checks can run on it.
    private static func asGrammarSample(_ part: [UInt8]) -> ArraySlice<UInt8> {
        part.map { $0 == ImageWildcard.star ? UInt8(ascii: "0") : $0 }[...]
    }
}
