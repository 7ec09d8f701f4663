import DockgateAudit

extension AuditRecord {
    /// A detail by key (`image`, `name`, `cmd`, `exec_id`, `container`, `container_id`, …).
    public func detail(_ key: String) -> AuditValue? {
        details.first { $0.0 == key }?.1
    }

    /// A detail that is a string.
    public func detailText(_ key: String) -> String? {
        if case .string(let text)? = detail(key) { return text }
        return nil
    }

    /// A detail that is a list of strings (`cmd`, `entrypoint`).
    public func detailList(_ key: String) -> [String]? {
        switch detail(key) {
        case .strings(let list)?: list
        case .string(let text)?: [text]
        default: nil
        }
    }

    /// The request a record belongs to: a response and session records repeat their request's
    /// connection and sequence number.
    var exchange: ExchangeKey? {
        sequence.map { ExchangeKey(connection: connectionID, sequence: $0) }
    }
}

struct ExchangeKey: Hashable {
    var connection: UInt64
    var sequence: Int
}
