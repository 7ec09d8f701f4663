/// What a connection's one deadline is for. Each is a phase in which the client owes us bytes;
/// nothing is armed while a request is in flight or a tunnel is open, so no timeout can cut a
/// live `logs -f`, `events` or attach.
enum ConnectionTimer: String, Sendable, Equatable {
    /// From accept to a completed TLS handshake.
    case handshake
    /// From the first byte of a request head to its end (Go's ReadHeaderTimeout in spirit).
    case head
    /// A body held for inspection must arrive in full within this time.
    case body
    /// A keep-alive connection with no request in progress.
    case idle
    /// Our side is closed; the client's EOF is awaited this long before the socket is closed.
    case linger
}
