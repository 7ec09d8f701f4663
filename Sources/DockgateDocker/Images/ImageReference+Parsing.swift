/// The three ways dockerd turns client text into an image reference (THREATS.md §3 rules 2–7).
extension ImageReference {
    /// `ParseNormalizedNamed` followed by `TagNameOnly`: "busybox" → "docker.io/library/busybox:latest".
    ///
    /// Applies the domain split of THREATS.md §3 rule 2 and the equivalences of rule 3. Refuses:
    /// an empty string, a bare 64-hex string (rule 4: that is an image ID, not a name), an
    /// upper-case repository path (rule 4), anything outside the grammar of rule 1, a path longer
    /// than 255 characters, and digests go-digest would refuse.
    ///
    /// One deliberate difference from Go: when the first component contains "." but is not a valid
    /// domain while still being a valid path component ("a_b.c/d"), Go's regular expression yields
    /// a reference with an *empty* domain; that has no registry a policy could name, so it is
    /// refused here as `.invalidFormat`.
    public static func parseNormalized(_ text: String) throws(ImageReferenceError) -> ImageReference {
        let named = try parseNamed(text)
        guard named.tag == nil, named.digest == nil else { return named }
        return ImageReference(domain: named.domain, path: named.path,
                              tag: ImageReferenceGrammar.defaultTag, digest: nil)
    }

    /// What `POST /images/create` (a pull) fetches from its `fromImage` and `tag` parameters
    /// (`postImagesCreate` / `PullImage`, THREATS.md §3 rule 6 and row I-01):
    ///
    /// 1. one trailing ":" is stripped from `fromImage` ("pull -a" compatibility), then it is parsed
    ///    with `ParseNormalizedNamed` (no default tag yet);
    /// 2. a non-empty `tag` that is a valid digest replaces the whole tag/digest part
    ///    (`WithDigest(TrimNamed(ref), tag)`): the result carries that digest and no tag;
    /// 3. any other non-empty `tag` must be a valid tag and replaces the tag (`WithTag`), keeping a
    ///    digest `fromImage` had, since `WithTag` on a canonical reference keeps its digest;
    /// 4. an empty or absent `tag` keeps what `fromImage` said; if that is a bare name (no tag,
    ///    no digest) dockerd pulls **every tag** of the repository: `.allTags(repository:)`.
    ///
    /// An empty `fromImage` is not a pull at all (dockerd takes the import branch, row I-03): `.empty`.
    public static func pullTarget(fromImage: String, tag: String?) throws(ImageReferenceError) -> PullTarget {
        guard !fromImage.isEmpty else { throw .empty }
        var image = fromImage
        if image.utf8.last == UInt8(ascii: ":") { image = String(decoding: image.utf8.dropLast(), as: UTF8.self) }
        let named = try parseNamed(image)

        guard let tag, !tag.isEmpty else {
            if named.tag == nil, named.digest == nil { return .allTags(repository: named.name) }
            return .reference(named)
        }
        let tagBytes = Array(tag.utf8)[...]
        if ImageReferenceGrammar.isValidDigest(tagBytes) {
            return .reference(ImageReference(domain: named.domain, path: named.path, tag: nil, digest: tag))
        }
        guard ImageReferenceGrammar.isValidTag(tagBytes) else { throw .invalidTag(tag) }
        return .reference(ImageReference(domain: named.domain, path: named.path, tag: tag, digest: named.digest))
    }

    /// `RepoTagReference(repo, tag)`: the name written by image tag, commit, import and `build -t`
    /// (THREATS.md §3 rule 7, rows I-03, I-05, I-06). A digest in `repo` is refused
    /// (`.digestWithTagNotAllowed`); a non-empty `tag` replaces the tag in `repo`; otherwise the
    /// tag in `repo`, or "latest".
    ///
    /// dockerd treats an empty `repo` as "write no name"; here it is `.empty`, so the caller decides
    /// explicitly what an unnamed commit or import means.
    public static func repoTag(repo: String, tag: String?) throws(ImageReferenceError) -> ImageReference {
        guard !repo.isEmpty else { throw .empty }
        let named = try parseNamed(repo)
        guard named.digest == nil else { throw .digestWithTagNotAllowed }
        if let tag, !tag.isEmpty {
            guard ImageReferenceGrammar.isValidTag(Array(tag.utf8)[...]) else { throw .invalidTag(tag) }
            return ImageReference(domain: named.domain, path: named.path, tag: tag, digest: nil)
        }
        return ImageReference(domain: named.domain, path: named.path,
                              tag: named.tag ?? ImageReferenceGrammar.defaultTag, digest: nil)
    }

    /// `ParseNormalizedNamed` without `TagNameOnly`. Internal: the result may be a bare name (tag
    /// and digest both nil), which the public API never hands out.
    static func parseNamed(_ text: String) throws(ImageReferenceError) -> ImageReference {
        typealias Grammar = ImageReferenceGrammar
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard Grammar.isPrintableASCII(bytes) else { throw .invalidFormat("characters outside the reference grammar") }
        guard !Grammar.isIdentifier(bytes) else {
            throw .invalidFormat("cannot specify 64-byte hexadecimal strings as a repository name")
        }
        let parts = try ImageReferenceParts.split(bytes)
        let path = String(decoding: parts.path, as: UTF8.self)
        guard !Grammar.containsUpper(parts.path) else { throw .upperCaseRepository(path) }
        guard Grammar.isValidDomain(parts.domain[...]) else {
            throw .invalidFormat("invalid registry domain \"\(String(decoding: parts.domain, as: UTF8.self))\"")
        }
        guard Grammar.isValidPath(parts.path[...]) else { throw .invalidFormat("invalid repository path \"\(path)\"") }
        guard parts.path.count <= Grammar.maxPathLength else { throw .nameTooLong }
        var tag: String?
        if let tagBytes = parts.tag {
            let tagText = String(decoding: tagBytes, as: UTF8.self)
            guard Grammar.isValidTag(tagBytes[...]) else { throw .invalidTag(tagText) }
            tag = tagText
        }
        var digest: String?
        if let digestBytes = parts.digest {
            let digestText = String(decoding: digestBytes, as: UTF8.self)
            guard Grammar.isValidDigest(digestBytes[...]) else { throw .invalidDigest(digestText) }
            digest = digestText
        }
        return ImageReference(domain: String(decoding: parts.domain, as: UTF8.self), path: path,
                              tag: tag, digest: digest)
    }
}
