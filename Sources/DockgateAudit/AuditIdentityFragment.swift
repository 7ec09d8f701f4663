import DockgateCore

/// Who is on one connection, as every record of that connection writes it: the client's address
/// and port, its certificate's CN, serial and fingerprint, and its policy, JSON-encoded once when
/// the connection learns them instead of escaped again for every record.
///
/// A record carries the fragment (`AuditRecord.identityFragment`) next to its ordinary fields,
/// which stay the truth: the encoder copies the pre-encoded bytes only while the record's fields
/// still equal the ones the fragment was made from, so a record changed after the fact still
/// renders what it holds. The fields follow `seq` in every line, so the fragment is one run.
public final class AuditIdentityFragment: Sendable {
    let clientAddress: String
    let clientPort: UInt16
    let commonName: String?
    let serial: String?
    let fingerprint: String?
    let policy: String?
    /// `,"client":…,"port":…` and, when known, `,"cn":…,"serial":…,"fingerprint":…`.
    let peerAndCertificateJSON: [UInt8]
    /// `,"policy":…`, or empty without a policy.
    let policyJSON: [UInt8]

    /// `identity` is the verified client certificate (nil before or without one); `policy` is the
    /// policy the connection's user maps to, used for the records that name it (`record.policy`
    /// is still set by whoever builds the record; a record without a policy writes none).
    public init(clientAddress: String, clientPort: UInt16, identity: ClientIdentity?, policy: String? = nil) {
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.commonName = identity?.commonName
        self.serial = identity?.serialHex
        self.fingerprint = identity?.sha256Fingerprint
        self.policy = policy
        var peer: [UInt8] = []
        AuditJSON.appendPeerAndCertificate(
            clientAddress: clientAddress, clientPort: clientPort,
            commonName: commonName, serial: serial, fingerprint: fingerprint, to: &peer)
        peerAndCertificateJSON = peer
        var policyField: [UInt8] = []
        AuditJSON.appendPolicy(policy, to: &policyField)
        policyJSON = policyField
    }

    /// The policy this fragment was made with.
    public var policyName: String? { policy }

    /// The same connection's fragment with its policy known (or changed by a reload).
    public func withPolicy(_ policy: String?) -> AuditIdentityFragment {
        AuditIdentityFragment(copying: self, policy: policy)
    }

    private init(copying other: AuditIdentityFragment, policy: String?) {
        clientAddress = other.clientAddress
        clientPort = other.clientPort
        commonName = other.commonName
        serial = other.serial
        fingerprint = other.fingerprint
        peerAndCertificateJSON = other.peerAndCertificateJSON
        self.policy = policy
        var policyField: [UInt8] = []
        AuditJSON.appendPolicy(policy, to: &policyField)
        policyJSON = policyField
    }

    /// Compared as bytes: a canonically equivalent spelling is another name, and must be written
    /// as the record holds it.
    func matchesPeerAndCertificate(of record: AuditRecord) -> Bool {
        record.clientPort == clientPort && record.clientAddress.hasSameBytes(as: clientAddress)
            && record.commonName.hasSameBytes(as: commonName) && record.serial.hasSameBytes(as: serial)
            && record.fingerprint.hasSameBytes(as: fingerprint)
    }

    func matchesPolicy(of record: AuditRecord) -> Bool { record.policy.hasSameBytes(as: policy) }
}
