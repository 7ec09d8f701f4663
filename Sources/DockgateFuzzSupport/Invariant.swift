/// A broken invariant: trap, so that libFuzzer saves the input as a crash reproducer.
public func require(
    _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) {
    if !condition { fatalError("fuzz invariant: \(message())", file: file, line: line) }
}

/// An index in `0...bytes.count` derived from the bytes themselves (FNV-1a), so the harness can
/// split an input without steering bytes in front of it: seeds stay plain HTTP or JSON, and every
/// mutation of an input also moves its split points.
public func derivedIndex(_ bytes: [UInt8], salt: UInt64) -> Int {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt
    for byte in bytes {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return Int(hash % UInt64(bytes.count + 1))
}

/// The text of an input as the parsers under test receive it: strings come from validated heads
/// and query values, so invalid UTF-8 is repaired (U+FFFD) rather than dropped.
public func text(_ bytes: some Collection<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
}
