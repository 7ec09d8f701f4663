#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import DockgateAudit

@Suite("FileAuditSink")
struct FileAuditSinkTests {
    static func record(connection: UInt64, sequence: Int, path: String = "/containers/json") -> AuditRecord {
        AuditRecord(kind: .request, time: Date(), connectionID: connection, sequence: sequence,
                    clientAddress: "127.0.0.1", clientPort: 40_000, commonName: "client-\(connection)",
                    method: "GET", path: path, decision: .allow, status: 200,
                    details: [("cmd", .strings([String(repeating: "x", count: 300 + sequence)]))])
    }

    /// Batches from 10 threads (one write(2) of several whole lines each) interleave only at line
    /// boundaries: every line is one complete record, none lost.
    @Test func batchesStayWholeLines() throws {
        let directory = try TemporaryDirectory()
        let sink = try FileAuditSink(path: directory.file("audit.log"))
        DispatchQueue.concurrentPerform(iterations: 10) { thread in
            let batch = (1...30).map { Self.record(connection: UInt64(thread), sequence: $0) }
            try? sink.write(batch: batch)
        }
        let lines = try directory.lines(of: "audit.log")
        #expect(lines.count == 300)
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "broken line: \(line.prefix(80))")
        }
    }

    /// 20 threads × 50 records give exactly 1,000 lines, each one complete JSON object, each
    /// (connection, sequence) exactly once: O_APPEND plus one write(2) per record never interleaves.
    @Test func concurrentWritersNeverInterleave() throws {
        let directory = try TemporaryDirectory()
        let sink = try FileAuditSink(path: directory.file("audit.log"))
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 20) { thread in
            for sequence in 1...50 {
                do {
                    try sink.write(Self.record(connection: UInt64(thread), sequence: sequence))
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let lines = try directory.lines(of: "audit.log")
        #expect(lines.count == 1_000)
        var seen = Set<String>()
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let key = "\(object?["conn"] ?? "?")/\(object?["seq"] ?? "?")"
            #expect(object != nil && !seen.contains(key), "bad or duplicate line: \(line.prefix(80))")
            seen.insert(key)
        }
        #expect(seen.count == 1_000)
    }

    /// logrotate renames the file, then signals: after `reopen()` records go to a new file at the
    /// configured path, and the renamed file keeps exactly what was written before.
    @Test func reopenAfterRenameWritesToTheNewFile() throws {
        let directory = try TemporaryDirectory()
        let sink = try FileAuditSink(path: directory.file("audit.log"))
        try sink.write(Self.record(connection: 1, sequence: 1))
        #expect(rename(directory.file("audit.log"), directory.file("audit.log.1")) == 0)
        try sink.write(Self.record(connection: 1, sequence: 2))  // still the renamed file
        try sink.reopen()
        try sink.write(Self.record(connection: 1, sequence: 3))

        let rotated = try directory.lines(of: "audit.log.1").map(Self.sequence)
        let current = try directory.lines(of: "audit.log").map(Self.sequence)
        #expect(rotated == [1, 2])
        #expect(current == [3])
    }

    /// The file is created 0640 at most (umask may only take bits away): never world-readable.
    @Test func createdFileIsNotWorldReadable() throws {
        let directory = try TemporaryDirectory()
        _ = try FileAuditSink(path: directory.file("audit.log"))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: directory.file("audit.log"))[.posixPermissions] as? Int)
        #expect(mode & ~0o640 == 0)
    }

    /// Opening an impossible path fails at construction, with the path in the message.
    @Test func unopenablePathFailsLoudly() {
        #expect(throws: AuditSinkError.open(path: "/nonexistent-dir/audit.log", errno: ENOENT)) {
            try FileAuditSink(path: "/nonexistent-dir/audit.log")
        }
    }

    /// Fail closed: while the file cannot take a record (/dev/full: ENOSPC on every write) the
    /// trail says "do not forward" and reports the sink error; once the path is a writable file
    /// again and reopened, records flow and the trail says "forward" (nothing latched).
    @Test func writeFailureFailsClosedAndRecoversAfterReopen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("audit.log")
        #expect(symlink("/dev/full", path) == 0)
        let sink = try FileAuditSink(path: path)
        let errors = Mutex<[String]>([])
        let trail = AuditTrail(sinks: [sink]) { name, error in errors.withLock { $0.append("\(name): \(error)") } }

        #expect(trail.record(Self.record(connection: 9, sequence: 1)) == false)
        #expect(errors.withLock { $0 } == ["file:\(path): audit sink file:\(path): write failed: No space left on device"])

        #expect(unlink(path) == 0)
        trail.reopenAll()
        #expect(trail.record(Self.record(connection: 9, sequence: 2)) == true)
        #expect(try directory.lines(of: "audit.log").map(Self.sequence) == [2])
    }

    /// Fail open: the same failure is reported but the caller is told to go on.
    @Test func failOpenReportsButLetsTheRequestThrough() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("audit.log")
        #expect(symlink("/dev/full", path) == 0)
        let errors = Atomic<Int>(0)
        let trail = AuditTrail(sinks: [try FileAuditSink(path: path)], failureMode: .failOpen) { _, _ in
            errors.add(1, ordering: .relaxed)
        }
        #expect(trail.record(Self.record(connection: 9, sequence: 1)) == true)
        #expect(errors.load(ordering: .relaxed) == 1)
    }

    /// A real full filesystem (a 16 KiB tmpfs): records fail while it is full, including a record
    /// only partly written, and succeed again — without reopen — once space is freed. The line
    /// after a fragment still parses (the sink starts it with a newline).
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullFilesystemFailsClosedAndRecoversByItself() throws {
        let directory = try TemporaryDirectory()
        let mountPoint = directory.file("mnt")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=16k") == 0 else {
            try Test.cancel("cannot mount a tmpfs at \(mountPoint): \(String(cString: strerror(errno)))")
        }
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }

        let sink = try FileAuditSink(path: mountPoint + "/audit.log")
        let trail = AuditTrail(sinks: [sink]) { _, _ in }
        #expect(trail.record(Self.record(connection: 5, sequence: 1)))

        // Fill the filesystem, leaving less room than one record (~500 bytes) may need.
        let filler = open(mountPoint + "/filler", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        #expect(filler >= 0)
        let block = [UInt8](repeating: 0x41, count: 100)
        while block.withUnsafeBytes({ write(filler, $0.baseAddress, $0.count) }) > 0 {}
        close(filler)

        // The file's last page still has room, so a few records fit before the first refusal.
        var accepted: [Int] = [1]
        var refusedFrom: Int?
        var acceptedAfterRefusal = 0
        for sequence in 2...40 {
            let forwarded = trail.record(Self.record(connection: 5, sequence: sequence))
            if forwarded && refusedFrom == nil { accepted.append(sequence) }
            if !forwarded && refusedFrom == nil { refusedFrom = sequence }
            if forwarded && refusedFrom != nil { acceptedAfterRefusal += 1 }
        }
        #expect(refusedFrom != nil, "a full filesystem must refuse records")
        #expect(acceptedAfterRefusal == 0, "once full, every record must be refused")

        #expect(unlink(mountPoint + "/filler") == 0)
        #expect(trail.record(Self.record(connection: 5, sequence: 100)))
        #expect(trail.record(Self.record(connection: 5, sequence: 101)))

        let text = try String(contentsOfFile: mountPoint + "/audit.log", encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let parsed = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(parsed.compactMap { $0["seq"] as? Int } == accepted + [100, 101])
        #expect(lines.count - parsed.count <= 1, "at most one fragment, on a line of its own")
        #expect(text.hasSuffix("}\n"))
    }

    static func sequence(_ line: String) -> Int {
        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return object?["seq"] as? Int ?? -1
    }
}
