import DockgateHTTP
import Testing

/// A small deterministic generator (SplitMix64), so a failing input can be reproduced from its seed.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `seed` with a few random bytes replaced, inserted or removed, biased towards the bytes parsers care about.
private func mutate(_ seed: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
    let interesting: [UInt8] = [0x0D, 0x0A, 0x20, 0x09, 0x3A, 0x3B, 0x22, 0x5C, 0x00, 0x7F, 0xFF, 0x30, 0x61]
    var bytes = seed
    for _ in 0..<Int.random(in: 1...3, using: &generator) {
        let byte =
            Bool.random(using: &generator)
            ? interesting.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
        let index = Int.random(in: 0...bytes.count, using: &generator)
        switch Int.random(in: 0..<3, using: &generator) {
        case 0 where index < bytes.count: bytes[index] = byte
        case 1 where index < bytes.count: bytes.remove(at: index)
        default: bytes.insert(byte, at: index)
        }
    }
    return bytes
}

@Suite("Mutated inputs: never a trap, and the same outcome however bytes arrive")
struct RobustnessTests {
    static let requestSeeds = [
        "POST /v1.45/build?t=x HTTP/1.1\r\nHost: h:2376\r\nTransfer-Encoding: chunked\r\nX-Registry-Config: e30=\r\n\r\n",
        "GET /_ping HTTP/1.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ]

    /// Thousands of mutated request heads parse to the same outcome at once and byte by byte.
    @Test func mutatedRequests() {
        var generator = SplitMix64(state: 0x646F_636B_6761_7465)
        for iteration in 0..<3000 {
            let seed = bytes(Self.requestSeeds[iteration % Self.requestSeeds.count])
            let input = mutate(seed, using: &generator)
            let make = { RequestFeeder(parser: RequestHeadParser()) }
            _ = dripFed(make, input, everySplit: iteration % 10 == 0)
        }
    }

    /// Thousands of mutated response heads parse to the same outcome at once and byte by byte.
    @Test func mutatedResponses() {
        var generator = SplitMix64(state: 0x7265_7370)
        let seed = bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n")
        for iteration in 0..<3000 {
            let input = mutate(seed, using: &generator)
            let make = { ResponseFeeder(parser: ResponseHeadParser(), requestMethod: "GET") }
            _ = dripFed(make, input, everySplit: iteration % 10 == 0)
        }
    }

    /// Thousands of mutated chunked bodies scan to the same outcome at once, byte by byte and at every split.
    @Test func mutatedChunkedBodies() {
        var generator = SplitMix64(state: 0x6368_756E_6B)
        let seed = bytes("5;a=\"b\"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: v\r\n\r\nGET")
        for _ in 0..<3000 {
            let input = mutate(seed, using: &generator)
            _ = dripScanned({ BodyScanner.chunked() }, input)
        }
    }
}
