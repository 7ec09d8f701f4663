import DockgateCore
import DockgatePolicy

/// The validated contents of dockgate's YAML file. A value of this type is complete: a file that
/// could not be fully understood never becomes one (it is refused, never half-applied).
public struct Configuration: Sendable, Equatable {
    public struct TLSFiles: Sendable, Equatable {
        public var certificate: String
        public var key: String
        public var clientCA: String
        /// PEM CRLs of the client CA (optional).
        public var crl: String?
        /// SHA-256 fingerprints (lower-case hex) of client certificates refused whatever their CN.
        public var revokedFingerprints: Set<String>
        /// `allow_client_certificates_without_eku`: accept client leaves that carry no Extended
        /// Key Usage extension at all (off by default). Never admits an EKU that lacks clientAuth.
        public var allowClientCertificatesWithoutEKU: Bool

        public init(
            certificate: String, key: String, clientCA: String, crl: String? = nil, revokedFingerprints: Set<String> = [],
            allowClientCertificatesWithoutEKU: Bool = false
        ) {
            self.certificate = certificate
            self.key = key
            self.clientCA = clientCA
            self.crl = crl
            self.revokedFingerprints = revokedFingerprints
            self.allowClientCertificatesWithoutEKU = allowClientCertificatesWithoutEKU
        }
    }

    /// One client identity allowed to use the proxy, and the policy that says what it may do.
    public struct User: Sendable, Equatable {
        /// The certificate subject CN, matched byte for byte.
        public var commonName: String
        public var policyName: String
        /// If set, only the certificate with this SHA-256 fingerprint (lower-case hex) is this user.
        public var fingerprint: String?
        /// Members of one team share their containers, volumes and networks under `scope: team`.
        public var team: String?
        /// Observe mode for this user only, whatever the policy says (see `Policy.isObserved`).
        public var observes: Bool

        public init(
            commonName: String, policyName: String, fingerprint: String? = nil, team: String? = nil, observes: Bool = false
        ) {
            self.commonName = commonName
            self.policyName = policyName
            self.fingerprint = fingerprint
            self.team = team
            self.observes = observes
        }

        /// Who this user is to the tenancy rules.
        public var tenant: Tenant { Tenant(commonName: commonName, team: team) }

        /// Whether this user's requests are judged and recorded but never refused by policy.
        public func isObserved(under policy: Policy) -> Bool { observes || policy.isObserved }
    }

    /// Where audit records go. Every configured sink gets every record.
    public struct AuditSettings: Sendable, Equatable {
        public var file: String?
        public var journald: Bool
        public var stdout: Bool
        /// When a sink fails: refuse requests (503) until it recovers, or carry on and log the failure.
        public var failClosed: Bool

        public init(file: String? = nil, journald: Bool = false, stdout: Bool = true, failClosed: Bool = true) {
            self.file = file
            self.journald = journald
            self.stdout = stdout
            self.failClosed = failClosed
        }
    }

    /// The Prometheus/health endpoint (`metrics.listen`): off unless configured, never on the
    /// mutual-TLS port, only a unix socket or a loopback TCP address.
    public struct MetricsSettings: Sendable, Equatable {
        public var listen: SocketAddress

        public init(listen: SocketAddress) {
            self.listen = listen
        }
    }

    public static let defaultListen = [
        SocketAddress.tcp(host: "0.0.0.0", port: 2376), SocketAddress.tcp(host: "::", port: 2376),
    ]
    public static let defaultUpstream = SocketAddress.unix(path: "/var/run/docker.sock")

    public var listen: [SocketAddress]
    public var upstream: SocketAddress
    public var tls: TLSFiles
    public var limits: ProxyLimits
    public var users: [User]
    public var audit = AuditSettings()
    /// nil: no metrics listener (the default).
    public var metrics: MetricsSettings?
    /// Policies by name; every user's `policyName` is a key here (the loader guarantees it).
    public var policies: [String: Policy]
    /// `bind_mounts.require_nosymfollow`: every restricted policy's bind folder must be on a
    /// `nosymfollow` mount, or dockgate refuses to start or reload (see `BindRootMountRequirement`).
    /// Turning it off leaves the symlink swap between create and start to dockgate's own re-checks,
    /// which race with the container.
    public var requiresNoSymlinkFollowingBindRoots = true

    public init(
        listen: [SocketAddress] = Configuration.defaultListen, upstream: SocketAddress = Configuration.defaultUpstream,
        tls: TLSFiles, limits: ProxyLimits = ProxyLimits(), users: [User], policies: [String: Policy]
    ) {
        self.listen = listen
        self.upstream = upstream
        self.tls = tls
        self.limits = limits
        self.users = users
        self.policies = policies
    }

    /// The user entry for a certificate CN, if the CN is listed: the same bytes, never a
    /// canonically equivalent spelling (`"\u{212A}ate"` is not `"Kate"`).
    public func user(commonName: String) -> User? {
        users.first { $0.commonName.hasSameBytes(as: commonName) }
    }

    /// The policy for a verified certificate, or nil: unknown CN, or a pinned fingerprint that differs.
    public func policy(commonName: String, fingerprint: String) -> (User, Policy)? {
        guard let user = user(commonName: commonName), let policy = policies[user.policyName] else { return nil }
        if let pinned = user.fingerprint, !pinned.hasSameBytes(as: fingerprint) { return nil }
        return (user, policy)
    }
}
