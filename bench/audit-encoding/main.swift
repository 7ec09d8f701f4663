// Audit line encoding, old against new, in one process: the String-based encoder this package used
// until 5b42122 (LegacyAuditJSON.swift) and the byte encoder in DockgateAudit, with and without a
// connection's pre-encoded identity. Run through bench/audit-encoding/run.sh (release build).
//
// Each case encodes the same records into the bytes a sink writes (the old path: `line(record)`
// then `Array(line.utf8)`, as FileAuditSink did; the new: `appendLine` into a reused buffer).
// Rounds alternate old and new so both see the same machine state; the median round counts.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import DockgateAudit
import DockgateCore

let identity = ClientIdentity(
    commonName: "alice", subject: "CN=alice,O=dev", subjectAlternativeNames: [], serialHex: "4F1A9C03D2",
    sha256Fingerprint: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
let recordTime = Date(timeIntervalSince1970: 1_795_595_401.123456)
let fragment = AuditIdentityFragment(clientAddress: "127.0.0.1", clientPort: 51_234, identity: identity, policy: "developers")

/// What the keep-alive benchmark writes per request: a permitted `GET /_ping` and its response.
func pingRecords(withFragment: Bool) -> [AuditRecord] {
    var request = withFragment
        ? AuditRecord(kind: .request, time: recordTime, connectionID: 812, identity: fragment)
        : AuditRecord(kind: .request, time: recordTime, connectionID: 812, clientAddress: "127.0.0.1", clientPort: 51_234)
    if !withFragment { request.setIdentity(identity) }
    request.sequence = 17
    request.policy = "developers"
    request.method = "GET"
    request.path = "/_ping"
    request.group = "system"
    request.action = "system.ping"
    request.decision = .allow
    request.rule = "developers.system"
    var response = request
    response.kind = .response
    response.decision = nil
    response.rule = nil
    response.status = 200
    response.bytesIn = 0
    response.bytesOut = 2
    response.durationMicros = 412
    return [request, response]
}

/// A container create with its security facts, including a path that needs escaping.
func createRecord(withFragment: Bool) -> AuditRecord {
    var record = pingRecords(withFragment: withFragment)[0]
    record.method = "POST"
    record.path = "/v1.47/containers/create"
    record.apiVersion = "1.47"
    record.group = "containers"
    record.action = "container.create"
    record.status = nil
    record.details = [
        ("image", .string("registry.example.com/team/web:2.4.1")),
        ("name", .string("web-1")),
        ("cmd", .strings(["sh", "-c", "echo \"ready\" && exec nginx -g 'daemon off;'"])),
        ("user", .string("1000:1000")),
        ("privileged", .bool(false)),
        ("mounts", .object([("count", .int(2)), ("binds", .strings(["/srv/web:/usr/share/nginx/html:ro", "/var/log/web:/var/log/nginx"]))])),
    ]
    return record
}

let iterations = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 200_000
let rounds = 7

func nanosPerRecord(_ records: [AuditRecord], _ body: ([AuditRecord], inout [UInt8]) -> Int) -> (Double, Int) {
    var buffer: [UInt8] = []
    let start = DispatchTime.now().uptimeNanoseconds
    var checksum = 0
    for _ in 0..<iterations { checksum &+= body(records, &buffer) }
    let elapsed = DispatchTime.now().uptimeNanoseconds - start
    return (Double(elapsed) / Double(iterations * records.count), checksum)
}

func legacy(_ records: [AuditRecord], _ unused: inout [UInt8]) -> Int {
    var total = 0
    for record in records { total &+= Array(LegacyAuditJSON.line(record).utf8).count }
    return total
}

/// Into the buffer of the previous call, as the audit writer does.
func bytes(_ records: [AuditRecord], _ reused: inout [UInt8]) -> Int {
    reused.removeAll(keepingCapacity: true)
    for record in records { AuditJSON.appendLine(record, to: &reused) }
    return reused.count
}

func decimal(_ value: Double, places: Int) -> String {
    let scale = Double([1, 10, 100][places])
    let scaled = Int((value * scale).rounded())
    guard places > 0 else { return String(scaled) }
    let fraction = String(scaled % Int(scale))
    return "\(scaled / Int(scale)).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let cases: [(String, [AuditRecord], [AuditRecord])] = [
    ("GET /_ping request + response", pingRecords(withFragment: false), pingRecords(withFragment: true)),
    ("container create with details", [createRecord(withFragment: false)], [createRecord(withFragment: true)]),
]

print("audit line encoding, \(iterations) iterations × \(rounds) rounds, median ns per record")
print("| case | old (String) | new (bytes) | new + identity fragment | old ÷ new+fragment |")
print("|---|---:|---:|---:|---:|")
var sink = 0
for (name, plain, fragmented) in cases {
    precondition(plain.map(LegacyAuditJSON.line) == plain.map(AuditJSON.line), "encoders disagree on \(name)")
    precondition(fragmented.map(AuditJSON.line) == plain.map(AuditJSON.line), "fragment changes \(name)")
    var old: [Double] = [], new: [Double] = [], newFragment: [Double] = []
    for _ in 0..<rounds {
        let a = nanosPerRecord(plain, legacy), b = nanosPerRecord(plain, bytes), c = nanosPerRecord(fragmented, bytes)
        old.append(a.0); new.append(b.0); newFragment.append(c.0)
        sink &+= a.1 &+ b.1 &+ c.1
    }
    let (o, n, f) = (median(old), median(new), median(newFragment))
    print("| \(name) | \(decimal(o, places: 0)) | \(decimal(n, places: 0)) | \(decimal(f, places: 0)) | \(decimal(o / f, places: 2))× |")
}
print("(checksum \(sink))")
