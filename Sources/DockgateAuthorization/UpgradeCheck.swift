import DockgateCore
import DockgateDocker

/// The only routes dockerd hijacks, and the upgrade each speaks (PROTOCOL.md §1.1). Anything
/// else asking to upgrade is refused: the proxy must never take a connection out of HTTP parsing
/// on the client's word alone (THREATS H-14, H-15).
enum UpgradeCheck {
    static let protocols: [DockerAction: String] = [
        .containerAttach: "tcp", .execStart: "tcp", .containerAttachWebSocket: "websocket", .session: "h2c", .grpc: "h2c",
    ]

    /// Why an `Upgrade: upgrade` on a request for `action` is refused, or nil when it is the one
    /// the route speaks.
    static func problem(_ upgrade: String, action: DockerAction?) -> String? {
        guard let action, let allowed = protocols[action] else {
            return "Upgrade is accepted only on attach, exec start and the BuildKit session endpoints"
        }
        // The value is ASCII (the head parser refuses anything else); compared as bytes, ignoring ASCII case.
        let wanted = upgrade.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        let matches = wanted.count == allowed.utf8.count
            && zip(wanted, allowed.utf8).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }
        return matches ? nil : "Upgrade: \(upgrade) is not accepted on \(action)"
    }
}
