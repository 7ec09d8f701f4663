/// A listening socket handed over by systemd (`LISTEN_FDS`), with the `FileDescriptorName=` of its
/// `.socket` unit so the caller can tell several listeners apart.
///
/// The descriptor is the caller's from now on: it is non-blocking and close-on-exec, and nothing in
/// this module ever closes it.
public struct ActivatedSocket: Sendable, Equatable {
    public let fd: Int32
    /// `FileDescriptorName=` from the socket unit; systemd's default is the unit's name, and
    /// libsystemd reports `"unknown"` when `LISTEN_FDNAMES` is absent.
    public let name: String

    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }
}
