/// A fully normalized image reference, e.g. "docker.io/library/busybox:latest",
/// "ghcr.io/org/app@sha256:…", "localhost:5000/x:1".
///
/// Built only by the parsers in `ImageReference+Parsing.swift`, which follow
/// `distribution/reference` v0.6.0 as dockerd uses it (THREATS.md §3). Allowlist decisions must be
/// taken over this form, never over the text the client sent (§3 rules 3 and 9).
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The registry: "docker.io", "localhost:5000", "[::1]:5000", "ghcr.io". Case is kept as
    /// written: "Docker.IO" is a different string from "docker.io" and must be allowlisted verbatim
    /// (THREATS.md §3 rule 3). `index.docker.io` is already rewritten to `docker.io` (§3 rule 2).
    public let domain: String
    /// The repository path inside the registry, lower case and validated: "library/busybox"
    /// (§3 rules 1, 2 and 4). At most 255 characters.
    public let path: String
    /// The tag; nil only when a digest was given without a tag. A name with neither gets "latest"
    /// (`TagNameOnly`, §3 rule 3).
    public let tag: String?
    /// "sha256:<64 lower-case hex>" (or sha384/sha512 with 96/128 hex, the other algorithms
    /// go-digest accepts in dockerd). When present it decides the content; a tag next to it is
    /// decoration (§3 rule 5).
    public let digest: String?

    /// Internal: callers outside this folder obtain references only through the parsers.
    init(domain: String, path: String, tag: String?, digest: String?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// The repository name, "domain/path", e.g. "docker.io/library/busybox".
    public var name: String { domain + "/" + path }

    /// "domain/path[:tag][@digest]", the form policies are written over (§3 rule 9).
    public var description: String {
        var text = name
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest }
        return text
    }
}
