#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Starts this test binary again, with a listening socket at fd 3 and `LISTEN_PID` set to the new
/// process's own pid, as systemd does, and collects its standard output and error.
enum ActivationChild {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(listenerFD: Int32, environment extra: [String: String], filter: String) throws -> String {
        guard listenerFD > 3 else { try Test.cancel("the listener landed on fd \(listenerFD); need one above 3") }
        let executable = try selfExecutable()
        var pipeFDs: [Int32] = [0, 0]
        // pipe2 is hidden behind _GNU_SOURCE in Glibc's module map; set close-on-exec by hand.
        guard pipe(&pipeFDs) == 0 else { throw Failure(description: "pipe failed") }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { close(pipeFDs[0]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears FD_CLOEXEC on the target; the CLOEXEC originals vanish at exec.
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_adddup2(&actions, listenerFD, 3)

        // `$$` is the shell's pid, which `exec` keeps for the test binary.
        let script = "LISTEN_PID=$$ exec \"$0\" --testing-library swift-testing --filter \"$1\""
        let arguments = ["/bin/sh", "-c", script, executable, filter]
        var environment = ProcessEnvironment.current.filter { !$0.hasPrefix("LISTEN_") }
        environment += extra.map { "\($0.key)=\($0.value)" }

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        close(pipeFDs[1])
        guard spawned == 0 else { throw Failure(description: "posix_spawn: \(String(cString: strerror(spawned)))") }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = time(nil) + 120
        while time(nil) < deadline {
            var poller = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 1_000) >= 0 || errno == EINTR else { break }
            guard poller.revents != 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        if time(nil) >= deadline { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }

    private static func selfExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { throw Failure(description: "readlink /proc/self/exe failed") }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The environment as `NAME=value` strings.
enum ProcessEnvironment {
    static var current: [String] {
        var result: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            result.append(String(cString: pointer))
            entry += 1
        }
        return result
    }
}
