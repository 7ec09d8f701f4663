import DockgateDocker

/// How one repository (`domain/path`) was used: which tags and digests, or every tag (a pull
/// without a tag). Becomes the narrowest image patterns that admit exactly those uses.
struct ImageUse: Sendable {
    var tags: [String] = []
    var digests: [String] = []
    var allTags = false
    var evidence = Evidence()

    mutating func note(_ target: PullTarget, _ request: ObservedRequest) {
        evidence.note(request)
        switch target {
        case .allTags:
            allTags = true
        case .reference(let reference):
            if let digest = reference.digest {
                if !digests.contains(digest) { digests.append(digest) }
            } else if let tag = reference.tag, !tags.contains(tag) {
                tags.append(tag)
            }
        }
    }

    /// One tag: that tag. Several tags, or a pull of every tag: the repository, any tag (exact
    /// repository, not a `repo*` prefix, which would also admit `repoevil`). Each digest used:
    /// a pattern pinning it (no other pattern admits a digest reference).
    func patterns(repository: String) -> [String] {
        let name = Self.familiar(repository)
        var result: [String] = []
        if allTags || tags.count > 1 {
            result.append(name)
        } else if let tag = tags.first {
            result.append("\(name):\(tag)")
        }
        result += digests.map { "\(name)@\($0)" }
        return result
    }

    /// "docker.io/library/busybox" → "busybox", "docker.io/team/app" → "team/app": the short form
    /// a policy pattern expands back to the same repository.
    static func familiar(_ repository: String) -> String {
        if repository.hasPrefix("docker.io/library/") { return String(repository.dropFirst("docker.io/library/".count)) }
        if repository.hasPrefix("docker.io/") { return String(repository.dropFirst("docker.io/".count)) }
        return repository
    }
}
