/// The pieces of a reference text after Docker's domain split, before any validation:
/// `domain`, `path`, optional `tag`, optional `digest`, as raw bytes.
///
/// The split is `splitDockerDomain` from `distribution/reference` `normalize.go` (THREATS.md §3
/// rule 2): no "/" → `docker.io` + `library/`; otherwise the first component is a domain only if
/// it is `localhost`, contains "." or ":", or contains an upper-case letter; `index.docker.io`
/// becomes `docker.io`; a Docker Hub path without "/" gets `library/`. The rest is
/// `path[:tag][@digest]`: a path can contain neither ":" nor "@", so the first "@" starts the
/// digest and the first ":" before it starts the tag.
///
/// The split looks only at "/", ":", "@", "." and upper-case letters, so it treats a `*` wildcard
/// like any path character; `ImagePattern` relies on this.
struct ImageReferenceParts: Sendable, Equatable {
    var domain: [UInt8]
    var path: [UInt8]
    var tag: [UInt8]?
    var digest: [UInt8]?

    /// Splits `bytes`; throws only when the text holds more than one "@".
    static func split(_ bytes: [UInt8]) throws(ImageReferenceError) -> ImageReferenceParts {
        let (domain, remainder) = splitDockerDomain(bytes)
        let at = UInt8(ascii: "@")
        let atCount = remainder.reduce(0) { $0 + ($1 == at ? 1 : 0) }
        guard atCount <= 1 else { throw .invalidFormat("more than one \"@\"") }

        var nameAndTag = remainder[...]
        var digest: [UInt8]?
        if let atIndex = remainder.firstIndex(of: at) {
            nameAndTag = remainder[..<atIndex]
            digest = Array(remainder[(atIndex + 1)...])
        }
        var path = nameAndTag
        var tag: [UInt8]?
        if let colon = nameAndTag.firstIndex(of: UInt8(ascii: ":")) {
            path = nameAndTag[..<colon]
            tag = Array(nameAndTag[(colon + 1)...])
        }
        return ImageReferenceParts(domain: domain, path: Array(path), tag: tag, digest: digest)
    }

    /// `splitDockerDomain`: returns the domain and the remainder (`path[:tag][@digest]`).
    private static func splitDockerDomain(_ bytes: [UInt8]) -> (domain: [UInt8], remainder: [UInt8]) {
        typealias Grammar = ImageReferenceGrammar
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else {
            return (Grammar.defaultDomain, Grammar.officialRepoPrefix + bytes)
        }
        let candidate = Array(bytes[..<slash])
        let rest = Array(bytes[(slash + 1)...])
        var domain: [UInt8]
        var remainder: [UInt8]
        if candidate == Grammar.localhost {
            (domain, remainder) = (candidate, rest)
        } else if candidate == Grammar.legacyDefaultDomain {
            (domain, remainder) = (Grammar.defaultDomain, rest)
        } else if candidate.contains(UInt8(ascii: ".")) || candidate.contains(UInt8(ascii: ":"))
                    || Grammar.containsUpper(candidate) {
            (domain, remainder) = (candidate, rest)
        } else {
            (domain, remainder) = (Grammar.defaultDomain, bytes)
        }
        if domain == Grammar.defaultDomain, !remainder.contains(UInt8(ascii: "/")) {
            remainder = Grammar.officialRepoPrefix + remainder
        }
        return (domain, remainder)
    }
}
