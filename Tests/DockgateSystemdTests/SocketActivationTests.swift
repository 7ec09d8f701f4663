#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import DockgateSystemd

/// Socket activation needs the passed socket at fd 3 and `LISTEN_PID` equal to the receiving
/// process. In the test process fd 3 belongs to libdispatch (a timerfd or epoll instance), so
/// `dup2`-ing a socket onto it, even briefly, would break the event loop under every other test.
/// Instead the test starts a fresh copy of this test binary the way systemd would: the listening
/// socket at fd 3, `LISTEN_FDS`/`LISTEN_FDNAMES` in the environment and `LISTEN_PID` set by
/// `/bin/sh` to its own pid before it `exec`s (so the pid stays the same). The copy runs only
/// `activatedChildReport`, which prints what `SocketActivation` found.
@Suite("SocketActivation")
struct SocketActivationTests {
    static let childMarker = "DOCKGATE_TEST_SOCKET_ACTIVATION_CHILD"
    static let reportPrefix = "DOCKGATE_ACTIVATION_REPORT "

    struct Report: Codable {
        var sockets: [String]
        var fd: Int32?
        var isNonBlocking: Bool
        var isCloseOnExec: Bool
        var environmentConsumed: Bool
        var secondCallReturnsTheSame: Bool
        var acceptedQueuedConnection: Bool
        var error: String?
    }

    /// A socket passed at fd 3 with `FileDescriptorName=docker-api` comes back as
    /// `ActivatedSocket(fd: 3, name: "docker-api")`, non-blocking and close-on-exec, the
    /// environment is consumed, a second call returns the cached answer, and the descriptor is the
    /// very listener the parent created (a connection queued on it before the spawn is accepted).
    @Test func passedListenerIsFoundByName() throws {
        let listener = try TCPListener()
        let client = try listener.connectClient()
        defer { close(client) }

        let output = try ActivationChild.run(listenerFD: listener.fd, environment: [
            "LISTEN_FDS": "1", "LISTEN_FDNAMES": "docker-api", Self.childMarker: "1",
        ], filter: "activatedChildReport")
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix(Self.reportPrefix) },
                                "no report from the child; its output was:\n\(output)")
        let report = try JSONDecoder().decode(Report.self, from: Data(line.dropFirst(Self.reportPrefix.count).utf8))
        #expect(report.error == nil)
        #expect(report.sockets == ["3:docker-api"])
        #expect(report.isNonBlocking)
        #expect(report.isCloseOnExec)
        #expect(report.environmentConsumed)
        #expect(report.secondCallReturnsTheSame)
        #expect(report.acceptedQueuedConnection)
    }

    /// Runs only inside the process started by `passedListenerIsFoundByName`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childMarker] != nil,
                   "runs only in the helper process that socket activation tests start"))
    func activatedChildReport() {
        var report = Report(sockets: [], isNonBlocking: false, isCloseOnExec: false, environmentConsumed: false,
                            secondCallReturnsTheSame: false, acceptedQueuedConnection: false)
        do {
            let sockets = try SocketActivation.takeListeningSockets()
            report.sockets = sockets.map { "\($0.fd):\($0.name)" }
            report.environmentConsumed = getenv("LISTEN_FDS") == nil && getenv("LISTEN_PID") == nil
                && getenv("LISTEN_FDNAMES") == nil
            report.secondCallReturnsTheSame = try SocketActivation.takeListeningSockets() == sockets
            if let fd = sockets.first?.fd {
                report.fd = fd
                report.isNonBlocking = fcntl(fd, F_GETFL) & O_NONBLOCK != 0
                report.isCloseOnExec = fcntl(fd, F_GETFD) & FD_CLOEXEC != 0
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 5_000) == 1 {
                    let connection = accept(fd, nil, nil)
                    report.acceptedQueuedConnection = connection >= 0
                    if connection >= 0 { close(connection) }
                }
            }
        } catch {
            report.error = "\(error)"
        }
        let json = (try? JSONEncoder().encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        print(Self.reportPrefix + json)
        fflush(nil)
    }

    /// Not socket-activated, or `LISTEN_PID` naming another process (the variables were inherited
    /// from a parent): no sockets, and the variables are still removed. Run in a child process
    /// because it changes the environment.
    @Test func notActivatedMeansNoSockets() async {
        await #expect(processExitsWith: .success) {
            unsetenv("LISTEN_FDS")
            guard try SocketActivation.readEnvironment().isEmpty else { exit(1) }
            setenv("LISTEN_FDS", "1", 1)
            setenv("LISTEN_PID", String(getpid() + 1), 1)
            setenv("LISTEN_FDNAMES", "docker-api", 1)
            guard try SocketActivation.readEnvironment().isEmpty else { exit(2) }
            guard getenv("LISTEN_FDS") == nil, getenv("LISTEN_PID") == nil else { exit(3) }
        }
    }

    /// `LISTEN_FDS` naming a descriptor that is not open is an error, not an empty list.
    @Test func listenFDsNamingAClosedDescriptorThrows() async {
        await #expect(processExitsWith: .success) {
            // fd 3 is libdispatch's here, so ask for descriptors far beyond anything open.
            setenv("LISTEN_FDS", "900", 1)
            setenv("LISTEN_PID", String(getpid()), 1)
            do {
                _ = try SocketActivation.readEnvironment()
                exit(1)
            } catch SystemdError.listenFDs(let errno) {
                exit(errno == EBADF ? 0 : 2)
            } catch {
                exit(3)
            }
        }
    }
}
