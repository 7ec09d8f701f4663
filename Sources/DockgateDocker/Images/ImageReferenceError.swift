/// Why an image reference, pull target or allowlist pattern was refused.
///
/// Every case is a refusal: the policy layer must answer 400 rather than forward a reference it
/// could not read exactly as dockerd's `distribution/reference` would (THREATS.md §3, and design
/// rule 1 "judge what dockerd will execute").
public enum ImageReferenceError: Error, Equatable, Sendable {
    /// The text was empty (dockerd: "repository name must have at least one component").
    case empty
    /// The text does not follow the reference grammar (THREATS.md §3 rule 1); the payload says why.
    case invalidFormat(String)
    /// The repository path contains upper-case letters (THREATS.md §3 rule 4); the payload is the path.
    case upperCaseRepository(String)
    /// The repository path (without the domain) is longer than 255 characters (§3 rule 1).
    case nameTooLong
    /// A digest was given where only a tag may be (`RepoTagReference`, THREATS.md §3 rule 7).
    case digestWithTagNotAllowed
    /// The digest is not one go-digest accepts (§3 rule 1); the payload is the digest text.
    case invalidDigest(String)
    /// The tag does not match `[\w][\w.-]{0,127}` (§3 rule 1); the payload is the tag text.
    case invalidTag(String)

    /// A one-line, client-safe explanation (the payloads are bounded by the caller's input only).
    public var message: String {
        switch self {
        case .empty:
            return "invalid reference format: repository name must have at least one component"
        case .invalidFormat(let why):
            return "invalid reference format: \(why)"
        case .upperCaseRepository(let path):
            return "invalid reference format: repository name (\(path)) must be lowercase"
        case .nameTooLong:
            return "invalid reference format: repository name must not be more than 255 characters"
        case .digestWithTagNotAllowed:
            return "invalid reference format: a digest reference cannot be used as a tag target"
        case .invalidDigest(let digest):
            return "invalid digest format: \(digest)"
        case .invalidTag(let tag):
            return "invalid tag format: \(tag)"
        }
    }
}
