#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Input checks that run before anything touches OpenSSL or the disk.
///
/// They are strict on purpose: a client name becomes both a directory name and a CN, and DNS
/// names / IPs are passed to OpenSSL's extension parser, so anything outside the plain forms
/// (path separators, commas, colons, whitespace) must never get through.
enum NameValidation {
    /// `[A-Za-z0-9._-]{1,64}`, not starting with '.' or '-': safe as a path component (no `..`,
    /// no hidden files, no option-like names) and within the 64-character CN limit.
    static func checkClientName(_ name: String) throws {
        let scalars = Array(name.unicodeScalars)
        guard (1...64).contains(scalars.count),
              scalars.allSatisfy({ $0.isASCII && (isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-") }),
              scalars[0] != ".", scalars[0] != "-" else {
            throw PKIError.invalidClientName(name)
        }
    }

    /// A host name of LDH labels (1-63 characters, no leading/trailing '-'), at most 253 characters;
    /// a leading `*.` wildcard label is allowed.
    static func checkDNSName(_ name: String) throws {
        var labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if labels.count > 1, labels[0] == "*" { labels.removeFirst() }
        let valid = (1...253).contains(name.utf8.count) && labels.allSatisfy { label in
            let scalars = Array(label.unicodeScalars)
            return (1...63).contains(scalars.count)
                && scalars.allSatisfy { $0.isASCII && (isAlphanumeric($0) || $0 == "-") }
                && scalars.first != "-" && scalars.last != "-"
        }
        guard valid else { throw PKIError.invalidDNSName(name) }
    }

    /// A literal IPv4 or IPv6 address as `inet_pton` accepts it (no zone, no brackets, no prefix).
    static func checkIPAddress(_ address: String) throws {
        var buffer = [UInt8](repeating: 0, count: 16)
        let family = address.contains(":") ? AF_INET6 : AF_INET
        guard inet_pton(family, address, &buffer) == 1 else { throw PKIError.invalidIPAddress(address) }
    }

    /// A docker host such as `tcp://127.0.0.1:2376`: it is written to a one-line file and embedded
    /// in shell and `docker context` instructions, so whitespace, quotes and commas are refused.
    static func checkHost(_ host: String) throws {
        let forbidden: Set<Unicode.Scalar> = ["\"", "'", ",", "\\", "`", "$"]
        guard !host.isEmpty, host.utf8.count <= 1024,
              host.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f && !forbidden.contains($0) }) else {
            throw PKIError.invalidHost(host)
        }
    }

    /// Leaf validity must be positive and no longer than the CA's own ten years.
    static func checkDays(_ days: Int) throws {
        guard (1...CertificateProfile.authorityDays).contains(days) else {
            throw PKIError.invalidValidity(days: days, reason: "must be between 1 and \(CertificateProfile.authorityDays)")
        }
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
