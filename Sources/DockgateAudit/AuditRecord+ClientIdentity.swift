#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DockgateCore

extension AuditRecord {
    /// Copies who the client proved to be from its verified certificate: CN, serial and SHA-256
    /// fingerprint, so two certificates with the same CN stay distinguishable in the trail.
    /// `nil` (no verified certificate, e.g. a failed handshake) clears all three.
    public mutating func setIdentity(_ identity: ClientIdentity?) {
        commonName = identity?.commonName
        serial = identity?.serialHex
        fingerprint = identity?.sha256Fingerprint
    }

    /// A record of the connection `identity` describes: client address and port, CN, serial and
    /// fingerprint come from it, and the encoder copies their pre-encoded form. The policy is not
    /// set (records that name it set `policy`; when it equals the fragment's, that is copied too).
    public init(kind: Kind, time: Date, connectionID: UInt64, identity: AuditIdentityFragment) {
        self.init(
            kind: kind, time: time, connectionID: connectionID,
            clientAddress: identity.clientAddress, clientPort: identity.clientPort,
            commonName: identity.commonName, serial: identity.serial, fingerprint: identity.fingerprint)
        identityFragment = identity
    }
}
