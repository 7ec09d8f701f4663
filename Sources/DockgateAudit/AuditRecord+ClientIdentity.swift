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
}
