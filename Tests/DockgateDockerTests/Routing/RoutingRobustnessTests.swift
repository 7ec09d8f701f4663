import DockgateDocker
import Testing

@Suite("Canonicalization never crashes")
struct RoutingRobustnessTests {
    /// Random targets built from the characters that matter ("/", "%", ".", hex, "?", "&", ";", "#", "+", "=", non-ASCII) never crash and are deterministic.
    @Test func randomTargets() {
        var generator = RoutingTest.Generator(seed: 0x5EED)
        let alphabet: [String] = ["/", "/", "/", "%", "%2", "%2F", "%2e", "%00", "%zz", ".", "..", "v1.41", "v", "1", "4",
                                  "containers", "images", "json", "create", "a", "?", "&", ";", "#", "+", "=", "é", " ",
                                  "\u{0}", "\u{7F}", "e", "F", "debug", "exec", "start"]
        let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get", ""]
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 12)
            var target = generator.next() % 8 == 0 ? "" : "/"
            for _ in 0..<length { target += alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let method = methods[Int(generator.next() % UInt64(methods.count))]
            let first = Result { () throws(RequestTargetError) in try RequestCanonicalizer.canonicalize(method: method, target: target) }
            let second = Result { () throws(RequestTargetError) in try RequestCanonicalizer.canonicalize(method: method, target: target) }
            #expect(first == second)
            if case .success(let request) = first {
                // An accepted path is clean and decoded: no empty, "." or ".." segment, no NUL.
                #expect(request.path.hasPrefix("/"))
                #expect(!request.path.contains("//"))
                #expect(!request.path.utf8.contains(0))
                #expect(!request.path.split(separator: "/").contains { $0 == "." || $0 == ".." })
            }
        }
    }

    /// Very long targets, long escapes and huge version numbers are handled without crashing.
    @Test func extremes() throws {
        let long = "/images/" + String(repeating: "a/", count: 10_000) + "json"
        #expect(try RequestCanonicalizer.canonicalize(method: "GET", target: long).route?.action == .imageInspect)
        #expect(RoutingTest.rejection("GET", "/v" + String(repeating: "9", count: 400) + ".1/info") != nil)
        #expect(RoutingTest.rejection("GET", "/" + String(repeating: "%41", count: 10_000)) != nil)
        #expect(RoutingTest.rejection("GET", "/%") == .invalidPercentEncoding)
        #expect(RoutingTest.rejection("GET", "/%2") == .invalidPercentEncoding)
        #expect(RoutingTest.rejection("GET", "/?%") == .invalidPercentEncoding)
    }
}
