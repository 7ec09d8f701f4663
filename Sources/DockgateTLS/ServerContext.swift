internal import COpenSSL
internal import COpenSSLShims
import DockgateCore

/// A complete server-side `SSL_CTX` for mutual TLS, built once and never mutated afterwards.
///
/// A reload builds a new context and swaps it in whole; `SSL_new` holds a reference to its
/// context, so live connections keep the one they started with.
public final class ServerContext: @unchecked Sendable {
    let context: OpaquePointer
    public let settings: ServerTLSSettings
    /// Serials (lower-case hex) revoked by the configured CRLs.
    public private(set) var revokedSerials: Set<String> = []
    /// Expiry of the server certificate and client CA, next update of the CRLs (for metrics).
    public private(set) var validity = CredentialValidity()
    /// Set while the CRLs load; the earliest nextUpdate among them.
    var crlNextUpdate: Int64?

    /// TLS 1.2 suites: the AEAD ECDHE set Go's tlsconfig offers; TLS 1.3 suites are all AEAD.
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
    static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    public init(settings: ServerTLSSettings) throws(TLSConfigurationError) {
        self.settings = settings
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw .invalidSetting("SSL_CTX_new", .drain())
        }
        self.context = context
        // Every stored property is set: a throw from here on runs deinit, which frees the context.
        try configure()
    }

    deinit { SSL_CTX_free(context) }

    private func configure() throws(TLSConfigurationError) {
        func require(_ ok: Bool, _ what: String) throws(TLSConfigurationError) {
            if !ok { throw .invalidSetting(what, .drain()) }
        }
        try require(COpenSSLShims_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1, "minimum TLS 1.2")
        try require(COpenSSLShims_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1, "maximum TLS 1.3")
        try require(SSL_CTX_set_cipher_list(context, Self.tls12Ciphers) == 1, "TLS 1.2 cipher list")
        try require(SSL_CTX_set_ciphersuites(context, Self.tls13Suites) == 1, "TLS 1.3 cipher suites")
        try require(COpenSSLShims_SSL_CTX_set1_groups_list(context, "X25519:P-256:P-384") == 1, "groups")
        // No renegotiation (identity is fixed at the handshake), no compression (CRIME), no
        // tickets and no session cache: every connection proves its certificate, as with dockerd.
        // A bare FIN at a record boundary counts as end of stream, as in Go's crypto/tls: python
        // clients half-close a hijacked stream that way (PROTOCOL.md §2.1).
        SSL_CTX_set_options(
            context,
            COpenSSLShims_SSL_OP_NO_RENEGOTIATION | COpenSSLShims_SSL_OP_NO_COMPRESSION
                | COpenSSLShims_SSL_OP_NO_TICKET | COpenSSLShims_SSL_OP_CIPHER_SERVER_PREFERENCE
                | COpenSSLShims_SSL_OP_IGNORE_UNEXPECTED_EOF)
        _ = SSL_CTX_set_num_tickets(context, 0)
        _ = COpenSSLShims_SSL_CTX_set_session_cache_mode(context, 0)
        // Partial writes report single records like write(2); a moved buffer with the same
        // contents may be retried after WANT_WRITE (SSL_CTX_set_mode(3)).
        _ = COpenSSLShims_SSL_CTX_set_mode(
            context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS))

        guard SSL_CTX_use_certificate_chain_file(context, settings.certificatePath) == 1 else {
            throw .cannotLoad(what: "server certificate", path: settings.certificatePath, .drain())
        }
        guard SSL_CTX_use_PrivateKey_file(context, settings.keyPath, SSL_FILETYPE_PEM) == 1 else {
            throw .cannotLoad(what: "server key", path: settings.keyPath, .drain())
        }
        try require(SSL_CTX_check_private_key(context) == 1, "server key does not match the certificate")
        // Only the configured CA file: no system default paths, so no public CA can vouch for a client.
        guard SSL_CTX_load_verify_locations(context, settings.clientCAPath, nil) == 1 else {
            throw .cannotLoad(what: "client CA bundle", path: settings.clientCAPath, .drain())
        }
        try require(SSL_CTX_set_purpose(context, X509_PURPOSE_SSL_CLIENT) == 1, "client purpose")
        if let crlPath = settings.crlPath { revokedSerials = try loadRevocationLists(crlPath) }
        // No certificate_authorities list is sent: Go clients then always present their
        // certificate, instead of silently sending none when the issuer DN does not match
        // (PROTOCOL.md §5.3).
        // The callback is chosen here because OpenSSL gives it no argument of ours: the EKU rule
        // is part of the context, so a reload that changes it builds a context with the other one.
        if settings.allowClientCertificatesWithoutEKU {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyClientChainAllowingAbsentEKU)
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyClientChainRequiringEKU)
        }
        SSL_CTX_set_verify_depth(context, 8)
        SSL_CTX_set_alpn_select_cb(context, selectHTTP11, nil)
        validity = readValidity()
        ERR_clear_error()
    }

    /// A session for one accepted socket. Must then be driven from one serial queue only.
    public func makeSession(fd: Int32) throws(TLSSessionError) -> TLSSession {
        ERR_clear_error()
        guard let ssl = SSL_new(context) else { throw .setupFailed(.drain()) }
        guard SSL_set_fd(ssl, fd) == 1 else {
            let stack = OpenSSLErrorStack.drain()
            SSL_free(ssl)
            throw .setupFailed(stack)
        }
        SSL_set_accept_state(ssl)
        return TLSSession(ssl: ssl)
    }
}

private func verifyClientChainRequiringEKU(_ preverifyOK: Int32, _ store: OpaquePointer?) -> Int32 {
    verifyClientChain(preverifyOK, store, allowingAbsentEKU: false)
}

private func verifyClientChainAllowingAbsentEKU(_ preverifyOK: Int32, _ store: OpaquePointer?) -> Int32 {
    verifyClientChain(preverifyOK, store, allowingAbsentEKU: true)
}

/// Every client-chain failure becomes `X509_V_ERR_CERT_REJECTED`, whose alert is `bad_certificate`:
/// the alert Go's dockerd sends, and the one that makes the docker CLI print its `--tlsverify` hint.
/// OpenSSL's own mapping would say `unknown_ca` or `certificate_expired` and lose that hint. The
/// original reason is kept on the session for the log.
///
/// On top of OpenSSL's checks, the leaf (depth 0) must not be a CA, must be meant for client
/// authentication by its Extended Key Usage (`ClientKeyUsage`), and must have one printable ASCII CN. OpenSSL reports success at each
/// depth once the whole chain has verified, so these run only on an otherwise good chain.
private func verifyClientChain(_ preverifyOK: Int32, _ store: OpaquePointer?, allowingAbsentEKU: Bool) -> Int32 {
    guard let store else { return 0 }
    var original = X509_STORE_CTX_get_error(store)
    let depth = X509_STORE_CTX_get_error_depth(store)
    let leaf = depth == 0 ? X509_STORE_CTX_get_current_cert(store) : nil
    if preverifyOK == 1 {
        guard let leaf else { return 1 }
        if X509_check_ca(leaf) != 0 {
            // A CA certificate presented as the client's own is not a user (THREATS T-05).
            original = X509_V_ERR_INVALID_CA
        } else if let refusal = ClientKeyUsage(leaf: leaf).refusal(allowingAbsent: allowingAbsentEKU) {
            original = refusal.code
        } else if !(TLSSession.commonName(X509_get_subject_name(leaf))?.isPrintableASCII ?? false) {
            original = ClientLeafRefusal.commonNameNotPrintableASCII.code
        } else {
            return 1
        }
    } else if original == X509_V_ERR_INVALID_PURPOSE, let leaf, ClientKeyUsage(leaf: leaf) == .withoutClientAuth {
        // OpenSSL's SSL-client purpose check refused the leaf's EKU: say so in EKU words.
        original = ClientLeafRefusal.extendedKeyUsageWithoutClientAuth.code
    }
    if let ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()) {
        TLSSession.recordVerifyFailure(ssl: OpaquePointer(ssl), code: original, depth: depth)
        // OpenSSL drops a rejected chain before it would be stored on the session, so keep the
        // leaf now: the log and audit name whoever presented it.
        if let leaf = X509_STORE_CTX_get0_cert(store) { TLSSession.recordRejectedLeaf(ssl: OpaquePointer(ssl), leaf) }
    }
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)
    return 0
}

/// Selects `http/1.1` when offered and otherwise declines ALPN without an alert: never `h2`,
/// because the daemon side of the proxy speaks HTTP/1.1 only.
private func selectHTTP11(
    _ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?, _ input: UnsafePointer<UInt8>?, _ inputLength: UInt32,
    _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let input, let out, let outLength else { return SSL_TLSEXT_ERR_NOACK }
    let wanted: [UInt8] = Array("http/1.1".utf8)
    var index = 0
    let total = Int(inputLength)
    while index < total {
        let length = Int(input[index])
        let start = index + 1
        guard start + length <= total else { break }
        if length == wanted.count && (0..<length).allSatisfy({ input[start + $0] == wanted[$0] }) {
            out.pointee = input + start
            outLength.pointee = UInt8(length)
            return SSL_TLSEXT_ERR_OK
        }
        index = start + length
    }
    return SSL_TLSEXT_ERR_NOACK
}
