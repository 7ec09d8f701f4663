import Testing
@testable import DockgateAuditQuery

@Suite("Times and durations")
struct TimeTests {
    @Test func recordTimesParseToMicroseconds() {
        #expect(AuditTimestamp.micros("1970-01-01T00:00:00.000000Z") == 0)
        #expect(AuditTimestamp.micros("2026-11-25T08:30:01.123456Z") == 1_795_595_401_123_456)
        #expect(AuditTimestamp.text(1_795_595_401_123_456) == "2026-11-25T08:30:01.123456Z")
        #expect(AuditTimestamp.micros("2024-02-29T23:59:59Z") == 1_709_251_199_000_000)
    }

    @Test func userTimesAcceptOffsetsFractionsAndDates() {
        let utc = AuditTimestamp.micros("2026-11-25T08:30:00Z")!
        #expect(AuditTimestamp.micros("2026-11-25T10:30:00+02:00") == utc)
        #expect(AuditTimestamp.micros("2026-11-25T03:00:00-05:30") == utc)
        #expect(AuditTimestamp.micros("2026-11-25 08:30:00.5Z") == utc + 500_000)
        #expect(AuditTimestamp.micros("2026-11-25") == AuditTimestamp.micros("2026-11-25T00:00:00Z"))
    }

    @Test(arguments: ["", "2026-13-01", "2026-02-30", "2026-11-25T08:30:00", "2026-11-25T24:00:00Z",
                      "2026-11-25T08:30:00.Z", "2026-11-25T08:30:00Zjunk", "26-11-25", "yesterday"])
    func invalidTimesAreRejected(_ text: String) {
        #expect(AuditTimestamp.micros(text) == nil)
    }

    @Test func durations() {
        #expect(RelativeDuration.micros("30m") == Int64(30 * 60_000_000))
        #expect(RelativeDuration.micros("2h") == Int64(2 * 3_600_000_000))
        #expect(RelativeDuration.micros("1d") == 86_400_000_000)
        #expect(RelativeDuration.micros("1w") == Int64(7 * 86_400_000_000))
        #expect(RelativeDuration.micros("1h30m") == Int64(90 * 60_000_000))
        #expect(RelativeDuration.micros("45s") == 45_000_000)
        for bad in ["", "2", "h", "2x", "-2h", "2h-", "99999999999999999999d"] {
            #expect(RelativeDuration.micros(bad) == nil, "\(bad)")
        }
    }

    @Test func windowFromArguments() throws {
        let now: Int64 = 1_796_000_000_000_000
        let window = try TimeWindow(since: "2h", until: "30m", now: now)
        #expect(window.since == now - 7_200_000_000)
        #expect(window.until == now - 1_800_000_000)
        #expect(window.contains(now - 3_600_000_000))
        #expect(!window.contains(now - 7_200_000_001))
        #expect(!window.contains(now))
        #expect(try TimeWindow(since: "2026-11-25T00:00:00Z", until: "now", now: now).since == AuditTimestamp.micros("2026-11-25T00:00:00Z"))
        #expect(throws: TimeArgumentError.notATime("last tuesday")) { try TimeWindow(since: "last tuesday", until: nil, now: now) }
        #expect(throws: TimeArgumentError.emptyRange) { try TimeWindow(since: "1h", until: "2h", now: now) }
    }
}
