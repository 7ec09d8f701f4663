#if canImport(Glibc)
import Glibc
#endif

/// What a fuzz executable does when built without `-sanitize=fuzzer` (a plain `swift build` builds
/// every executable target): run the files given as arguments through the harness, so a reproducer
/// can be replayed and debugged without libFuzzer; with no argument, say how to build the fuzzer.
public func replayOrExplain(target: String, harness: ([UInt8]) -> Void) -> Never {
    let files = CommandLine.arguments.dropFirst()
    guard !files.isEmpty else {
        print("""
            \(target) is a libFuzzer target, and this build has no fuzzer linked in.
            Fuzz with Tests/Scripts/fuzz.sh [seconds-per-target]; replay inputs with: \(target) FILE...
            """)
        exit(2)
    }
    for path in files {
        guard let bytes = readFile(path) else {
            print("\(target): cannot read \(path)")
            exit(1)
        }
        harness(bytes)
        print("\(target): \(path) passed (\(bytes.count) bytes)")
    }
    exit(0)
}

private func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        bytes.append(contentsOf: chunk[..<count])
        if count < chunk.count { return ferror(file) == 0 ? bytes : nil }
    }
}
