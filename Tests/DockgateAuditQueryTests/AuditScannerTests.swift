import DockgateAudit
import Foundation
import Testing
@testable import DockgateAuditQuery

@Suite("Reading the trail: files, rotations, gzip, malformed lines")
struct AuditScannerTests {
    static func line(_ micros: Int64, _ user: String) -> String {
        AuditJSON.line(AuditRecord(
            kind: .request, time: Trail.time(micros), connectionID: 1, sequence: 1, clientAddress: "127.0.0.1",
            clientPort: 1, commonName: user, action: "container.list", decision: .allow))
    }

    static func users(_ scanner: inout AuditScanner, _ source: AuditTrailSource) -> [String] {
        var users: [String] = []
        scanner.scan(source) { record, _ in users.append(record.commonName ?? "-") }
        return users
    }

    @Test func rotationsAreFoundAndReadOldestFirst() throws {
        let dir = try TemporaryDirectory()
        try dir.write("audit.log", Self.line(5, "current"))
        try dir.write("audit.log.1", Self.line(4, "week1"))
        try dir.writeGzip("audit.log.2.gz", Self.line(3, "week2"))
        try dir.writeGzip("audit.log.10.gz", Self.line(1, "week10"))
        try dir.write("audit.log.old", Self.line(0, "not-a-rotation"))
        try dir.write("other.log.1", Self.line(0, "other"))
        let paths = RotatedAuditFiles.paths(for: dir.file("audit.log"))
        #expect(paths == ["audit.log.10.gz", "audit.log.2.gz", "audit.log.1", "audit.log"].map(dir.file))
        var scanner = AuditScanner()
        #expect(Self.users(&scanner, .files(paths)) == ["week10", "week2", "week1", "current"])
        #expect(scanner.statistics.malformed == 0 && scanner.statistics.errors.isEmpty)
    }

    @Test func aMissingRotationSetIsJustTheFile() {
        #expect(RotatedAuditFiles.paths(for: "/nonexistent/dir/audit.log") == ["/nonexistent/dir/audit.log"])
        #expect(RotatedAuditFiles.rotationNumber(of: "audit.log.12.gz", base: "audit.log") == 12)
        #expect(RotatedAuditFiles.rotationNumber(of: "audit.log.gz", base: "audit.log") == nil)
        #expect(RotatedAuditFiles.rotationNumber(of: "audit.log.1x", base: "audit.log") == nil)
    }

    @Test func malformedLinesAreSkippedAndCountedWithTheFirstLocation() throws {
        let dir = try TemporaryDirectory()
        let text = Self.line(1, "a") + "{\"time\":\"2026-11-\n" + "garbage\n" + "\n" + Self.line(2, "b") + "\u{0}\u{1}\u{2}\n"
            + String(Self.line(3, "c").dropLast())  // the last line, cut short of its newline, still counts
        let path = try dir.write("audit.log", text)
        var scanner = AuditScanner()
        #expect(Self.users(&scanner, .files([path])) == ["a", "b", "c"])
        #expect(scanner.statistics.malformed == 3)
        #expect(scanner.statistics.firstMalformed == path + ":2")
    }

    @Test func malformedLinesAreCountedEvenWhenThePrefilterWouldSkipThem() throws {
        let dir = try TemporaryDirectory()
        let cut = String(Self.line(2, "b").prefix(60)) + "\n"
        let path = try dir.write("audit.log", Self.line(1, "a") + "{not json\n" + cut)
        var scanner = AuditScanner(prefilter: DenialSummary.prefilter)
        #expect(Self.users(&scanner, .files([path])).isEmpty)
        #expect(scanner.statistics.malformed == 2)
    }

    @Test func oversizedLinesAreSkippedWithoutGrowingTheBuffer() throws {
        let dir = try TemporaryDirectory()
        let long = "{\"time\":\"" + String(repeating: "x", count: 3 * 1024 * 1024) + "\n"
        let path = try dir.write("audit.log", Self.line(1, "a") + long + Self.line(2, "b"))
        var scanner = AuditScanner(maxLineBytes: 64 * 1024)
        #expect(Self.users(&scanner, .files([path])) == ["a", "b"])
        #expect(scanner.statistics.malformed == 1)
        #expect(scanner.statistics.firstMalformed == path + ":2 (line too long)")
    }

    @Test func manyLinesAcrossChunkBoundaries() throws {
        let dir = try TemporaryDirectory()
        var text = ""
        for index in 0..<20_000 { text += Self.line(Int64(index), "u\(index)") }
        let path = try dir.write("audit.log", text)
        try dir.writeGzip("audit.log.2.gz", text)
        var scanner = AuditScanner()
        let users = Self.users(&scanner, .files([dir.file("audit.log.2.gz"), path]))
        #expect(users.count == 40_000)
        #expect(users[19_999] == "u19999" && users[20_000] == "u0")
    }

    @Test func theWindowSkipsLinesAndWholeOldFiles() throws {
        let dir = try TemporaryDirectory()
        let day: Int64 = 86_400_000_000
        let now: Int64 = 1_796_000_000_000_000
        try dir.writeGzip("audit.log.2.gz", Self.line(now - 20 * day, "old"))
        dir.setModified("audit.log.2.gz", micros: now - 19 * day)
        let current = try dir.write("audit.log", Self.line(now - 2 * day, "two-days") + Self.line(now - 3_600_000_000, "an-hour"))
        var scanner = AuditScanner(window: TimeWindow(since: now - day, until: now))
        #expect(Self.users(&scanner, .files([dir.file("audit.log.2.gz"), current])) == ["an-hour"])
        #expect(scanner.statistics.skippedFiles == [dir.file("audit.log.2.gz")])
        #expect(scanner.statistics.outsideWindow == 1)
    }

    @Test func unreadableFilesAreReportedAndTheRestIsRead() throws {
        let dir = try TemporaryDirectory()
        let current = try dir.write("audit.log", Self.line(1, "a"))
        // A gzip file cut short: zlib reports it, after handing over what it could inflate.
        try dir.writeGzip("audit.log.2.gz", String(repeating: Self.line(0, "z"), count: 50))
        let gz = try Data(contentsOf: URL(fileURLWithPath: dir.file("audit.log.2.gz")))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: dir.file("audit.log.2.gz")))
        var scanner = AuditScanner()
        let users = Self.users(&scanner, .files([dir.file("missing.log"), dir.file("audit.log.2.gz"), current]))
        #expect(users.last == "a")
        #expect(scanner.statistics.errors.count == 2)
        #expect(scanner.statistics.errors.first?.contains("missing.log") == true)
    }

    @Test func thePrefilterOnlySkipsLinesThatCannotMatch() throws {
        let filter = RecordFilter(user: "alice", decision: .deny)
        var line = AuditJSON.line(AuditRecord(
            kind: .request, time: Trail.time(1), connectionID: 1, clientAddress: "", clientPort: 0,
            commonName: "alice", decision: .deny))
        #expect(line.withUTF8 { filter.prefilter.admits($0) })
        line = line.replacingOccurrences(of: "\"deny\"", with: "\"allow\"")
        #expect(!line.withUTF8 { filter.prefilter.admits($0) })
        // A value JSON escapes is not used as a needle: the parse decides.
        #expect(RecordFilter(user: "a\"b").prefilter.required.count == 1)  // just the kind
        #expect(LinePrefilter.find(Array("abc".utf8), in: UnsafeBufferPointer(start: nil, count: 0)) == false)
    }
}
