import Foundation

/// Reads and writes `index.json`, the list of certificates this PKI has issued.
///
/// The file is a versioned object (`{"version":1,"certificates":[...],"crlNumber":N}`) with ISO-8601 dates, so
/// it stays readable by `jq` and can grow fields later. Callers hold the `DirectoryLock` around
/// read-modify-write so concurrent commands cannot drop entries.
struct CertificateIndex: Codable {
    static let currentVersion = 1

    var version: Int
    var certificates: [IssuedCertificate]
    /// The cRLNumber of the last CRL written to `crl.pem`; absent (nil) until the first one, and
    /// in indexes written before revocation existed, so version 1 files stay readable both ways.
    var crlNumber: Int?

    init(certificates: [IssuedCertificate] = [], crlNumber: Int? = nil) {
        self.version = CertificateIndex.currentVersion
        self.certificates = certificates
        self.crlNumber = crlNumber
    }

    /// Loads the index; a missing file is an empty index (e.g. a CA created by hand with openssl).
    static func load(_ path: String) throws -> CertificateIndex {
        guard FileManager.default.fileExists(atPath: path) else { return CertificateIndex() }
        let bytes = try SecureFileSystem.readFile(path)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let index: CertificateIndex
        do {
            index = try decoder.decode(CertificateIndex.self, from: Data(bytes))
        } catch {
            throw PKIError.invalidIndex(path: path, reason: String(describing: error))
        }
        guard index.version == currentVersion else {
            throw PKIError.invalidIndex(path: path, reason: "unsupported version \(index.version)")
        }
        return index
    }

    /// Writes the index atomically. 0600 like everything else in the 0700 PKI directory.
    func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(self)
        } catch {
            throw PKIError.invalidIndex(path: path, reason: String(describing: error))
        }
        try SecureFileSystem.writeAtomically(path, bytes: [UInt8](data) + [0x0a], mode: 0o600)
    }
}
