#if canImport(Glibc)
import Glibc
#endif
import DockgateSyscall
import Testing

/// The two loops every module's system calls go through: `EINTR` is retried, `EAGAIN` is a state
/// for non-blocking descriptors and a failure for blocking ones, anything else is thrown with the
/// call's name. The calls below fail on purpose by setting `errno` themselves, so every path runs.
@Suite struct SyscallWrapperTests {
    /// A stand-in system call: fails with `errors` in order (setting errno), then returns `value`.
    private final class ScriptedCall {
        var errors: [Int32]
        let value: Int
        private(set) var calls = 0

        init(failingWith errors: [Int32], then value: Int) {
            self.errors = errors
            self.value = value
        }

        func callAsFunction() -> Int {
            calls += 1
            guard !errors.isEmpty else { return value }
            errno = errors.removeFirst()
            return -1
        }
    }

    @Test func interruptedCallsAreRepeatedUntilTheyComplete() throws {
        let call = ScriptedCall(failingWith: [EINTR, EINTR, EINTR], then: 7)
        #expect(try Syscall.restarting("scripted") { call() } == 7)
        #expect(call.calls == 4)
        let nonBlocking = ScriptedCall(failingWith: [EINTR, EINTR], then: 3)
        guard case .processed(3) = try Syscall.retrying("scripted", { nonBlocking() }) else {
            Issue.record("an interrupted non-blocking call did not complete")
            return
        }
        #expect(nonBlocking.calls == 3)
    }

    @Test func wouldBlockIsAStateOnlyForNonBlockingCalls() throws {
        let call = ScriptedCall(failingWith: [EINTR, EAGAIN], then: 1)
        guard case .wouldBlock = try Syscall.retrying("scripted", { call() }) else {
            Issue.record("EAGAIN was not reported as wouldBlock")
            return
        }
        #expect(call.calls == 2)
        // A blocking descriptor reports its SO_RCVTIMEO/SO_SNDTIMEO timeout as EAGAIN: a failure there.
        let blocking = ScriptedCall(failingWith: [EAGAIN], then: 1)
        #expect(throws: SystemError(call: "timed", errno: EAGAIN)) { try Syscall.restarting("timed") { blocking() } }
    }

    @Test func otherErrorsAreThrownWithTheCallAndItsErrno() {
        let call = ScriptedCall(failingWith: [EINTR, ECONNRESET], then: 1)
        do {
            _ = try Syscall.retrying("send") { call() }
            Issue.record("ECONNRESET was not thrown")
        } catch {
            #expect(error.call == "send")
            #expect(error.errno == ECONNRESET)
            #expect(error.description == "send: Connection reset by peer")
        }
        #expect(call.calls == 2)
    }

    /// The named calls over a real socket pair: data, would-block, end of stream, and a peer that
    /// has gone (EPIPE, without the SIGPIPE that would end the test process).
    @Test func namedCallsOverASocketPair() throws {
        var ends: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0)
        defer { Syscall.close(ends[0]) }
        try Syscall.setNonBlocking(ends[0])
        try Syscall.setNonBlocking(ends[1])
        #expect(fcntl(ends[0], F_GETFL) & O_NONBLOCK != 0)

        var buffer = [UInt8](repeating: 0, count: 16)
        guard case .wouldBlock = try buffer.withUnsafeMutableBytes({ try Syscall.read(ends[0], into: $0) }) else {
            Issue.record("an empty non-blocking socket did not report wouldBlock")
            return
        }
        let message: [UInt8] = Array("hello".utf8)
        guard case .processed(5) = try message.withUnsafeBytes({ try Syscall.send(ends[1], $0) }) else {
            Issue.record("send did not take 5 bytes")
            return
        }
        guard case .processed(5) = try buffer.withUnsafeMutableBytes({ try Syscall.peek(ends[0], into: $0) }),
            case .processed(5) = try buffer.withUnsafeMutableBytes({ try Syscall.read(ends[0], into: $0) })
        else {
            Issue.record("peek and read did not both see the 5 bytes")
            return
        }
        #expect(Array(buffer[0..<5]) == message)

        Syscall.shutdownWrite(ends[1])
        guard case .processed(0) = try buffer.withUnsafeMutableBytes({ try Syscall.read(ends[0], into: $0) }) else {
            Issue.record("a shut-down peer did not read as end of stream")
            return
        }
        Syscall.close(ends[1])
        #expect(throws: SystemError(call: "send", errno: EPIPE)) {
            try message.withUnsafeBytes { try Syscall.send(ends[0], $0) }
        }
    }

    @Test func openReportsTheErrno() {
        #expect(throws: SystemError(call: "open", errno: ENOENT)) {
            try Syscall.open("/nonexistent-dockgate-path/file", O_RDONLY | O_CLOEXEC)
        }
    }
}
