/// The bounds that keep one connection's memory and lifetime finite.
///
/// Timeouts apply only to phases where the client owes us bytes (handshake, a request head,
/// an idle keep-alive gap). No timeout ever applies while a request is in flight, a response is
/// streaming, or a hijacked tunnel is open: `docker logs -f` or an attach may idle for hours.
public struct ProxyLimits: Sendable, Equatable {
    /// Longest accepted request head (request line + header fields). `X-Registry-Config` can be large.
    public var maxRequestHeadBytes: Int = 512 * 1024
    /// Longest accepted response head from the daemon.
    public var maxResponseHeadBytes: Int = 512 * 1024
    /// Decrypted client bytes held while they wait to be parsed or forwarded.
    public var clientBufferBytes: Int = 256 * 1024
    /// Bytes held for one direction of the relay before the producing side's reads are suspended.
    public var relayBufferBytes: Int = 256 * 1024
    /// Size of one read from a socket.
    public var readChunkBytes: Int = 64 * 1024

    /// Seconds allowed for the TLS handshake.
    public var handshakeTimeout: Double = 10
    /// Seconds allowed between the first byte of a request head and its end.
    public var requestHeadTimeout: Double = 60
    /// Seconds a keep-alive connection may sit idle between requests; longer than Go's 30 s
    /// `IdleConnTimeout`, so clients close idle connections before we do.
    public var idleTimeout: Double = 120
    /// Seconds to keep draining a client after our close_notify, so a RST cannot destroy the
    /// last output bytes still in flight.
    public var lingerTimeout: Double = 10
    /// Seconds a shutdown waits for requests in flight before closing what is left.
    public var drainTimeout: Double = 30

    public init() {}
}
