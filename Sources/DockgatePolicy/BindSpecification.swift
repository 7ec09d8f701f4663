/// One `HostConfig.Binds` entry read as dockerd reads it: moby `volume/mounts/linux_parser.go`
/// `ParseMountRaw` and `linuxValidMountMode`.
///
/// `src:dst[:mode]` — at most three parts; a lone part is an anonymous volume at that path; two
/// parts whose second is a valid mode (`/foo:rw`) are invalid; `mode` is a comma list with at most
/// one of each kind: `rw|ro`, `z|Z`, a propagation, `nocopy`, `consistent|cached|delegated`.
struct BindSpecification: Equatable {
    /// Empty for an anonymous volume.
    var source: String
    /// Where it is mounted in the container (the lone part of an anonymous volume).
    var destination: String
    var mode: [String]

    static let readWriteModes: Set<String> = ["rw", "ro"]
    static let labelModes: Set<String> = ["z", "Z"]
    static let propagationModes: Set<String> = ["private", "rprivate", "shared", "rshared", "slave", "rslave"]
    static let copyModes: Set<String> = ["nocopy"]
    static let consistencyModes: Set<String> = ["consistent", "cached", "delegated"]

    /// Propagations that tie the container's mounts to the host's: `shared`/`rshared` let mounts
    /// made in the container appear on the host; `slave`/`rslave` let the host's later mounts
    /// appear in the container (THREATS M-04). Only `private`/`rprivate` (the default) are allowed.
    static let refusedPropagations: Set<String> = ["shared", "rshared", "slave", "rslave"]

    /// An absolute source is a host bind; anything else names a volume.
    var isHostBind: Bool { HostPath.isAbsolute(source) }

    var propagation: String? { mode.first(where: Self.propagationModes.contains) }

    /// nil when dockerd would refuse the entry itself ("invalid spec" / "invalid mode").
    init?(_ raw: String) {
        // Split on the ASCII byte, as Go's strings.SplitN does.
        let parts = Array(raw.utf8).split(separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard let first = parts.first, !first.isEmpty else { return nil }
        switch parts.count {
        case 1:
            source = ""
            destination = parts[0]
            mode = []
        case 2:
            // "/foo:rw" is a destination and a mode: not a valid volume (and "" is a valid mode).
            guard Self.validMode(parts[1]) == nil else { return nil }
            source = parts[0]
            destination = parts[1]
            mode = []
        case 3:
            guard let options = Self.validMode(parts[2]) else { return nil }
            source = parts[0]
            destination = parts[1]
            mode = options
        default:
            return nil
        }
    }

    /// The options of a valid mode string, or nil when `linuxValidMountMode` is false.
    static func validMode(_ mode: String) -> [String]? {
        if mode.isEmpty { return [] }
        let options = Array(mode.utf8).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        var counts = [0, 0, 0, 0, 0]
        for option in options {
            // Set<String> membership is canonical-equivalence based; every member is ASCII, so
            // require ASCII first to keep this byte-exact.
            guard option.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
            let kinds = [readWriteModes, labelModes, propagationModes, copyModes, consistencyModes]
            guard let kind = kinds.firstIndex(where: { $0.contains(option) }) else { return nil }
            counts[kind] += 1
        }
        return counts.allSatisfy({ $0 <= 1 }) ? options : nil
    }
}
