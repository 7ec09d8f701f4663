internal import COpenSSL
internal import COpenSSLShims
import Foundation

/// Owns one `EVP_PKEY`, freed exactly once in `deinit` whatever path the caller takes.
///
/// The key material never becomes a Swift `String`: it goes from OpenSSL straight to a file
/// descriptor, so it cannot end up in logs or linger in Swift-managed memory.
final class PrivateKey {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// Generates a fresh key from OpenSSL's default CSPRNG.
    static func generate(_ algorithm: KeyAlgorithm) throws -> PrivateKey {
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer?
        switch algorithm {
        case .ecP256: key = COpenSSLShims_EVP_EC_gen("P-256")
        case .rsa2048: key = COpenSSLShims_EVP_RSA_gen(2048)
        }
        guard let key else { throw OpenSSLErrorQueue.failure("EVP_PKEY_Q_keygen(\(algorithm.rawValue))") }
        return PrivateKey(taking: key)
    }

    /// Reads an unencrypted PEM key. An encrypted key fails instead of prompting on the terminal,
    /// because the proxy and the CLI must never block on a hidden passphrase prompt.
    static func read(pemFile path: String) throws -> PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new_file(path, "r") else { throw OpenSSLErrorQueue.failure("BIO_new_file(\(path))") }
        defer { BIO_free(bio) }
        let refusePassphrase: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in 0 }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil) else {
            throw OpenSSLErrorQueue.failure("PEM_read_bio_PrivateKey(\(path))")
        }
        return PrivateKey(taking: key)
    }

    /// The algorithm of this key, or nil for a key type dockgate does not create.
    var algorithm: KeyAlgorithm? {
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_EC: return .ecP256
        case EVP_PKEY_RSA: return .rsa2048
        default: return nil
        }
    }

    /// Writes the key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") to `fd`. Unencrypted because
    /// the docker CLI rejects encrypted keys; PKCS#8 because Go, Python and OpenSSL all read it for
    /// both EC and RSA.
    func writePKCS8PEM(to fd: Int32, path: String) throws {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new_fd(fd, BIO_NOCLOSE) else { throw OpenSSLErrorQueue.failure("BIO_new_fd") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PKCS8PrivateKey(bio, pointer, nil, nil, 0, nil, nil) == 1 else {
            throw OpenSSLErrorQueue.failure("PEM_write_bio_PKCS8PrivateKey(\(path))")
        }
    }

    /// Writes the key atomically to `path` with mode 0600.
    func write(to path: String) throws {
        try SecureFileSystem.writeAtomically(path, mode: 0o600) { fd in
            try writePKCS8PEM(to: fd, path: path)
        }
    }
}
