import DockgateAudit
import Foundation

/// Hand-made trail records: `Trail` hands out times a second apart and connection numbers.
struct Trail {
    var records: [AuditRecord] = []
    var micros: Int64 = 1_796_000_000_000_000  // 2026-11-30T00:53:20Z
    var nextConnection: UInt64 = 1

    static func time(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }

    private mutating func tick() -> Date {
        micros += 1_000_000
        return Self.time(micros)
    }

    /// A request (allowed: with its response, or with session records for a hijacked stream).
    @discardableResult
    mutating func request(
        _ user: String, _ action: String, _ path: String, method: String = "POST",
        details: [(String, AuditValue)] = [], deny: (rule: String, reason: String)? = nil,
        status: Int = 200, created: [(String, AuditValue)] = [], session: (bytesIn: UInt64, bytesOut: UInt64, micros: UInt64)? = nil
    ) -> UInt64 {
        let connection = nextConnection
        nextConnection += 1
        var request = AuditRecord(
            kind: .request, time: tick(), connectionID: connection, sequence: 1, clientAddress: "127.0.0.1", clientPort: 40_000,
            commonName: user, policy: user == "alice" ? "admin" : "developer", method: method, path: path,
            group: String(action.split(separator: ".")[0]), action: action,
            decision: deny == nil ? .allow : .deny, rule: deny?.rule ?? "allowed", reason: deny?.reason,
            status: deny == nil ? nil : 403, details: details)
        records.append(request)
        guard deny == nil else { return connection }
        request.decision = nil
        request.rule = nil
        if let session {
            var open = request
            open.kind = .sessionOpen
            open.time = tick()
            records.append(open)
            var close = request
            close.kind = .sessionClose
            close.time = tick()
            close.bytesIn = session.bytesIn
            close.bytesOut = session.bytesOut
            close.durationMicros = session.micros
            records.append(close)
        }
        var response = request
        response.kind = .response
        response.time = tick()
        response.status = status
        response.bytesIn = 10
        response.bytesOut = 20
        response.durationMicros = 1_500
        response.details += created
        records.append(response)
        return connection
    }

    /// The trail as the file sink writes it.
    var text: String { records.map(AuditJSON.line).joined() }
}
