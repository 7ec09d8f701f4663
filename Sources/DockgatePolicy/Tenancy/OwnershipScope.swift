/// Whose containers, exec instances, volumes and networks a policy may see and act on.
public enum OwnershipScope: String, Sendable, Equatable, CaseIterable {
    /// Only objects its own certificate CN created through dockgate.
    case own
    /// Its own, and those created by members of the user's team.
    case team
    /// Every object, including those nobody owns (made before dockgate, or over the socket).
    case all
}

/// Who is asking, as far as ownership goes: the certificate CN, and the team from the users list.
public struct Tenant: Sendable, Equatable {
    public var commonName: String
    public var team: String?

    public init(commonName: String, team: String? = nil) {
        self.commonName = commonName
        self.team = team
    }
}
