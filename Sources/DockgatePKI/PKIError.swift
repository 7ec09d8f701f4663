#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything that can go wrong while creating or using a PKI, worded for the operator who
/// runs `dockgate pki ...`.
public enum PKIError: Error, CustomStringConvertible, Sendable {
    /// An OpenSSL call failed; `details` is the drained OpenSSL error queue of that call.
    case openSSL(operation: String, details: String)
    /// `initialize` found an existing PKI and `force` was not given.
    case alreadyInitialized(root: String)
    /// `load` found no CA certificate or key.
    case notInitialized(root: String)
    /// The PKI root exists and holds unrelated files, so tightening it to 0700 could hurt.
    case unsafeDirectory(path: String, reason: String)
    case invalidClientName(String)
    case invalidDNSName(String)
    case invalidIPAddress(String)
    /// A server certificate needs at least one DNS name or IP address.
    case noSubjectAlternativeNames
    case invalidValidity(days: Int, reason: String)
    /// The docker host string would break the `host` file or the printed instructions.
    case invalidHost(String)
    case clientExists(name: String, path: String)
    case notACertificateAuthority(path: String)
    case keyMismatch(certificate: String, key: String)
    /// A system call failed; `code` is its errno.
    case io(operation: String, path: String, code: Int32)
    case invalidIndex(path: String, reason: String)
    /// `revoke` found no client named so and no certificate with that serial in `index.json`.
    case unknownCertificate(String)
    /// Every certificate `revoke` matched is revoked already.
    case alreadyRevoked(String)
    /// `revoke` matched the server certificate and `allowServer` was not given.
    case refusingToRevokeServer(String)

    public var description: String {
        switch self {
        case let .openSSL(operation, details):
            return "\(operation) failed: \(details)"
        case let .alreadyInitialized(root):
            return "a PKI already exists in \(root); pass force to replace it (existing client certificates stop working)"
        case let .notInitialized(root):
            return "no PKI found in \(root) (missing ca.pem or ca-key.pem); initialize it first"
        case let .unsafeDirectory(path, reason):
            return "refusing to use \(path) as a PKI directory: \(reason)"
        case let .invalidClientName(name):
            return "invalid client name \"\(name)\": use 1-64 characters from A-Z a-z 0-9 . _ -, not starting with '.' or '-'"
        case let .invalidDNSName(name):
            return "invalid DNS name \"\(name)\""
        case let .invalidIPAddress(address):
            return "invalid IP address \"\(address)\""
        case .noSubjectAlternativeNames:
            return "the server certificate needs at least one DNS name or IP address"
        case let .invalidValidity(days, reason):
            return "invalid validity of \(days) days: \(reason)"
        case let .invalidHost(host):
            return "invalid docker host \"\(host)\": it must be non-empty and contain no whitespace, quotes or commas"
        case let .clientExists(name, path):
            return "a client named \"\(name)\" already exists at \(path)"
        case let .notACertificateAuthority(path):
            return "\(path) is not a CA certificate (basicConstraints CA:TRUE missing)"
        case let .keyMismatch(certificate, key):
            return "the key \(key) does not belong to the certificate \(certificate)"
        case let .io(operation, path, code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        case let .invalidIndex(path, reason):
            return "cannot read \(path): \(reason)"
        case let .unknownCertificate(nameOrSerial):
            return "no client named \"\(nameOrSerial)\" and no certificate with serial \(nameOrSerial) in the index; see `dockgate pki list`"
        case let .alreadyRevoked(nameOrSerial):
            return "\"\(nameOrSerial)\" is already revoked; nothing changed"
        case let .refusingToRevokeServer(nameOrSerial):
            return "\"\(nameOrSerial)\" is the proxy's server certificate; revoking it needs allowServer (--allow-server) and leaves the proxy without a certificate clients accept"
        }
    }
}
