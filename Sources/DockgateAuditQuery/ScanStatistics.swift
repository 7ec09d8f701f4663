/// What a scan read, and what it had to skip: reported on stderr after the answer, so a malformed
/// or unreadable trail is never silently ignored.
public struct ScanStatistics: Sendable, Equatable {
    public var lines = 0
    /// Lines parsed into records (after the time window and the prefilter).
    public var records = 0
    /// Lines that are not a record: not JSON, no time/kind/conn, or longer than the line limit.
    public var malformed = 0
    /// Where the first malformed line was, `file:line` (or the journal cursor position).
    public var firstMalformed: String?
    /// Lines passed over by the time window before parsing.
    public var outsideWindow = 0
    /// Files not opened because their modification time is before `--since`.
    public var skippedFiles: [String] = []
    /// Files or journals that could not be read (whole or in part).
    public var errors: [String] = []

    public init() {}

    mutating func noteMalformed(at location: @autoclosure () -> String) {
        malformed += 1
        if firstMalformed == nil { firstMalformed = location() }
    }
}
