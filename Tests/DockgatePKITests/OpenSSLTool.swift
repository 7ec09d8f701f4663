import Foundation

/// Runs the `openssl` binary as an independent oracle: the tests check what this module writes
/// with the same tool operators use, never with the module's own parser.
enum OpenSSLTool {
    struct Result {
        let status: Int32
        let output: String
        let errorOutput: String
    }

    static let executable: String = {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            .split(separator: ":").map { String($0) + "/openssl" } + ["/usr/bin/openssl"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/openssl"
    }()

    /// Runs `openssl arguments...` to completion. stderr goes to a file so a chatty child can never
    /// block on a full pipe while stdout is being read.
    static func run(_ arguments: [String], input: String = "") throws -> Result {
        let errorFile = FileManager.default.temporaryDirectory.path + "/openssl-stderr-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorFile) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), standardInput = Pipe()
        process.standardOutput = output
        process.standardInput = standardInput
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        _ = ignoreSIGPIPE
        try process.run()
        // A child that exits early (e.g. a refused connect) must not kill the test run with SIGPIPE
        // or a Foundation write trap; its exit status tells the story instead.
        try? standardInput.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? standardInput.fileHandleForWriting.close()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = FileManager.default.contents(atPath: errorFile) ?? Data()
        return Result(status: process.terminationStatus,
                      output: String(decoding: outputData, as: UTF8.self),
                      errorOutput: String(decoding: errorData, as: UTF8.self))
    }

    /// Evaluated once: writes to a pipe whose reader has gone must fail with EPIPE, not kill us.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Starts `openssl arguments...` in the background with all output discarded; the caller
    /// owns the returned process and must terminate it (by its PID) when done.
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
