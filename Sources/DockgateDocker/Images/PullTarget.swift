/// What `POST /images/create?fromImage=&tag=` (a pull) will fetch, as composed by
/// `ImageReference.pullTarget(fromImage:tag:)` (THREATS.md §3 rule 6, row I-01).
public enum PullTarget: Sendable, Equatable {
    /// One image: a tag, a digest, or both (the digest then decides the content, §3 rule 5).
    case reference(ImageReference)
    /// Every tag of the repository (`domain/path`, e.g. "docker.io/library/busybox"): what dockerd
    /// pulls when `tag` is empty and `fromImage` names no tag and no digest.
    case allTags(repository: String)

    /// The repository (`domain/path`) the pull reads from, in both cases.
    public var repository: String {
        switch self {
        case .reference(let reference): return reference.name
        case .allTags(let repository): return repository
        }
    }
}
