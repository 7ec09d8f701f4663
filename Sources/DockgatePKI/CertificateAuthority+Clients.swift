import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension CertificateAuthority {
    /// Issues a client certificate (CN = `name`, clientAuth only, digitalSignature, CA:FALSE) and
    /// writes `clients/NAME/{ca.pem, cert.pem, key.pem (0600), host}`, then records it in `index.json`.
    ///
    /// The bundle is assembled in a hidden staging directory and renamed into place, so a crash
    /// never leaves a bundle without its key. An existing bundle of the same name is never
    /// overwritten: its certificate would stay valid, and two people would hold "the same" name.
    public func issueClient(name: String, days: Int = 365, host: String) throws -> ClientBundle {
        try NameValidation.checkClientName(name)
        try NameValidation.checkDays(days)
        try NameValidation.checkHost(host)
        let caNotAfter = try certificate.notAfter()
        guard Date().addingTimeInterval(TimeInterval(days) * 86_400) <= caNotAfter else {
            throw PKIError.invalidValidity(days: days, reason: "the certificate would outlive the CA, which expires \(caNotAfter)")
        }

        return try DirectoryLock.withLock(on: directory.root) {
            let destination = directory.clientBundle(name)
            guard !FileManager.default.fileExists(atPath: destination) else {
                throw PKIError.clientExists(name: name, path: destination)
            }
            var index = try CertificateIndex.load(directory.index)  // fail on a corrupt index before issuing

            let key = try PrivateKey.generate(keyAlgorithm)
            let clientCertificate = try CertificateSigner.sign(.client(name: name, days: days), subjectKey: key,
                                                               issuer: (certificate, self.key))
            let entry = try IssuedCertificate(clientCertificate, kind: .client)

            try SecureFileSystem.makePrivateDirectory(directory.clientsDirectory)
            let staging = directory.clientsDirectory + "/." + name + ".tmp-" + SecureFileSystem.randomSuffix()
            guard mkdir(staging, 0o700) == 0 else { throw PKIError.io(operation: "mkdir", path: staging, code: errno) }
            var published = false
            defer { if !published { try? FileManager.default.removeItem(atPath: staging) } }
            try key.write(to: staging + "/key.pem")
            try clientCertificate.write(to: staging + "/cert.pem")
            try certificate.write(to: staging + "/ca.pem")
            try SecureFileSystem.writeAtomically(staging + "/host", bytes: Array((host + "\n").utf8), mode: 0o644)
            guard rename(staging, destination) == 0 else {
                throw PKIError.io(operation: "rename", path: destination, code: errno)
            }
            published = true
            SecureFileSystem.syncDirectory(directory.clientsDirectory)

            index.certificates.append(entry)
            do {
                try index.save(directory.index)
            } catch {
                // An unrecorded bundle would be invisible to `list`; better to have none.
                try? FileManager.default.removeItem(atPath: destination)
                throw error
            }
            return ClientBundle(directory: PKIDirectory(root: directory.absoluteRoot).clientBundle(name), name: name,
                                serialHex: entry.serialHex, sha256Fingerprint: entry.sha256Fingerprint,
                                notAfter: entry.notAfter)
        }
    }
}
