import DockgateDocker

/// What one kind of user may do. Everything not granted here is denied.
public struct Policy: Sendable, Equatable {
    public var name: String
    /// Access per endpoint group; groups not listed get `.none`.
    public var endpoints: [EndpointGroup: AccessLevel]
    /// Any route, including ones dockgate does not classify (the daemon's own 404 answers them).
    public var allowsUnknownEndpoints: Bool
    /// No method but GET and HEAD, and no GET that writes (`attach/ws` can write stdin).
    public var isReadOnly: Bool
    /// Host escape allowed: the container-hardening rules are not applied. Only for administrators.
    public var isPrivileged: Bool
    /// Allowed images (normalized-reference patterns); nil means any image.
    public var images: [ImagePattern]?
    /// Whether an image-restricted user may write image names (tag, load, import, commit, build).
    /// Without it an allowlist could be defeated by retagging something else as an allowed name.
    public var allowsImageWrites: Bool
    /// Host folders that bind mounts may use (absolute, cleaned). Empty: no bind mounts.
    public var bindMountRoots: [String]
    /// Capabilities `CapAdd` may name, normalized as dockerd does (`CAP_NET_ADMIN`).
    public var capabilities: Set<String>
    /// `scope:` as configured; nil takes the default (see `scope`).
    public var configuredScope: OwnershipScope?

    /// Whose objects the policy acts on: as configured, else `all` for privileged policies
    /// (administrators) and `own` for every other.
    public var scope: OwnershipScope { configuredScope ?? (isPrivileged ? .all : .own) }
    /// Observe mode: requests this policy would deny are recorded as `would-deny` (with the rule
    /// and reason) and forwarded anyway. Requests that cannot be read unambiguously are still
    /// refused: they are not policy decisions. For trying a policy out before enforcing it.
    public var isObserved: Bool

    public init(
        name: String, endpoints: [EndpointGroup: AccessLevel] = [:], allowsUnknownEndpoints: Bool = false,
        isReadOnly: Bool = false, isPrivileged: Bool = false, images: [ImagePattern]? = nil,
        allowsImageWrites: Bool = false, bindMountRoots: [String] = [], capabilities: Set<String> = [],
        scope: OwnershipScope? = nil, isObserved: Bool = false
    ) {
        self.configuredScope = scope
        self.name = name
        self.endpoints = endpoints
        self.allowsUnknownEndpoints = allowsUnknownEndpoints
        self.isReadOnly = isReadOnly
        self.isPrivileged = isPrivileged
        self.images = images
        self.allowsImageWrites = allowsImageWrites
        self.bindMountRoots = bindMountRoots
        self.capabilities = capabilities
        self.isObserved = isObserved
    }

    public func access(to group: EndpointGroup) -> AccessLevel { endpoints[group] ?? .none }

    /// True when names of images are restricted, so image-writing routes need `allowsImageWrites`.
    public var restrictsImages: Bool { images != nil }
}
