#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One line of the audit trail: who (certificate), from where (address), what (method, canonical
/// path, Docker action and its security facts), what was decided and why, and how it ended.
///
/// There is deliberately no place for HTTP headers or bodies. `details` must never receive
/// credentials or secrets: not `X-Registry-Auth` / `X-Registry-Config`, not `/auth` bodies, not
/// environment values of a container or exec (`Env` may carry tokens; record at most the variable
/// names). The audit file is readable by operators who are not meant to hold those secrets.
public struct AuditRecord: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case request
        /// Written when a permitted request's response is complete: status, bytes, duration, created ids.
        case response
        case sessionOpen = "session_open"
        case sessionClose = "session_close"
        case handshakeFailure = "handshake_failure"
        case connectionClose = "connection_close"
    }

    /// What was decided about a request; the raw value is the word written to the trail.
    public enum Decision: String, Sendable, CaseIterable {
        case allow, deny
        /// Observe mode: what enforcement would have done; the request was forwarded.
        case wouldDeny = "would-deny"

        /// The decision a recorded word stands for, matched byte for byte.
        public init?(name: some StringProtocol) {
            guard let decision = Self.allCases.first(where: { $0.rawValue.utf8.elementsEqual(name.utf8) }) else { return nil }
            self = decision
        }
    }

    public var kind: Kind
    /// Rendered as RFC 3339 UTC with microseconds: `2026-11-25T08:30:01.123456Z`.
    public var time: Date
    public var connectionID: UInt64
    /// The request's number on its connection, from 1.
    public var sequence: Int?
    public var clientAddress: String
    public var clientPort: UInt16
    public var commonName: String?
    public var serial: String?
    public var fingerprint: String?
    public var policy: String?
    public var method: String?
    public var path: String?
    public var apiVersion: String?
    public var group: String?
    public var action: String?
    public var decision: Decision?
    public var rule: String?
    public var reason: String?
    public var status: Int?
    public var bytesIn: UInt64?
    public var bytesOut: UInt64?
    public var durationMicros: UInt64?
    /// Security facts in the order they should appear: `image`, `name`, `cmd`, `entrypoint`,
    /// `user`, `privileged`, `mounts`, `exec_id`, `container_id`, `tty`, … Never credentials or
    /// environment values (see the type's documentation).
    public var details: [(String, AuditValue)]
    /// The connection's identity fields, encoded once (see `AuditIdentityFragment`). A cache, not
    /// a fact: equality ignores it, and the encoder uses it only while it matches the fields above.
    public var identityFragment: AuditIdentityFragment?

    public init(
        kind: Kind, time: Date, connectionID: UInt64, sequence: Int? = nil,
        clientAddress: String, clientPort: UInt16,
        commonName: String? = nil, serial: String? = nil, fingerprint: String? = nil, policy: String? = nil,
        method: String? = nil, path: String? = nil, apiVersion: String? = nil,
        group: String? = nil, action: String? = nil,
        decision: Decision? = nil, rule: String? = nil, reason: String? = nil,
        status: Int? = nil, bytesIn: UInt64? = nil, bytesOut: UInt64? = nil, durationMicros: UInt64? = nil,
        details: [(String, AuditValue)] = []
    ) {
        self.kind = kind
        self.time = time
        self.connectionID = connectionID
        self.sequence = sequence
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.commonName = commonName
        self.serial = serial
        self.fingerprint = fingerprint
        self.policy = policy
        self.method = method
        self.path = path
        self.apiVersion = apiVersion
        self.group = group
        self.action = action
        self.decision = decision
        self.rule = rule
        self.reason = reason
        self.status = status
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.durationMicros = durationMicros
        self.details = details
    }

    /// Written by hand because `details` holds tuples, which cannot conform to `Equatable`;
    /// `identityFragment` is left out (it only caches the encoding of fields compared here).
    public static func == (lhs: AuditRecord, rhs: AuditRecord) -> Bool {
        lhs.kind == rhs.kind && lhs.time == rhs.time && lhs.connectionID == rhs.connectionID
            && lhs.sequence == rhs.sequence && lhs.clientAddress == rhs.clientAddress
            && lhs.clientPort == rhs.clientPort && lhs.commonName == rhs.commonName
            && lhs.serial == rhs.serial && lhs.fingerprint == rhs.fingerprint && lhs.policy == rhs.policy
            && lhs.method == rhs.method && lhs.path == rhs.path && lhs.apiVersion == rhs.apiVersion
            && lhs.group == rhs.group && lhs.action == rhs.action && lhs.decision == rhs.decision
            && lhs.rule == rhs.rule && lhs.reason == rhs.reason && lhs.status == rhs.status
            && lhs.bytesIn == rhs.bytesIn && lhs.bytesOut == rhs.bytesOut
            && lhs.durationMicros == rhs.durationMicros
            && AuditValue.sameFields(lhs.details, rhs.details)
    }
}
