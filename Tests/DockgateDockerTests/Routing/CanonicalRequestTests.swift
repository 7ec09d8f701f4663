import DockgateDocker
import Testing

@Suite("Canonical request: version prefix, decoded path and query")
struct CanonicalRequestTests {
    /// A `/v1.41` prefix becomes APIVersion(1, 41) and is removed from the path (H-20).
    @Test func versionPrefixKept() throws {
        let request = try RequestCanonicalizer.canonicalize(method: "POST", target: "/v1.41/containers/abc/start")
        #expect(request.apiVersion == APIVersion(major: 1, minor: 41))
        #expect(request.path == "/containers/abc/start")
        #expect(request.method == "POST")
        #expect(request.route == DockerRoute(group: .containers, action: .containerStart, isWrite: true, objectName: "abc"))
    }

    /// An unversioned path means the daemon default, so the version is nil (PROTOCOL §7.2).
    @Test func unversioned() throws {
        let request = try RequestCanonicalizer.canonicalize(method: "GET", target: "/containers/json")
        #expect(request.apiVersion == nil)
        #expect(request.path == "/containers/json")
    }

    /// Plain versions parse, compare numerically and print as dockerd does.
    @Test func apiVersionValues() throws {
        #expect(try RequestCanonicalizer.canonicalize(method: "GET", target: "/v1.12/info").apiVersion == APIVersion(major: 1, minor: 12))
        #expect(try RequestCanonicalizer.canonicalize(method: "GET", target: "/v0.0/info").apiVersion == APIVersion(major: 0, minor: 0))
        #expect(APIVersion(major: 1, minor: 9) < APIVersion(major: 1, minor: 41))
        #expect(APIVersion(major: 1, minor: 41) < APIVersion(major: 2, minor: 0))
        #expect(APIVersion(major: 1, minor: 41).description == "1.41")
        #expect(APIVersion(parsing: "1.44") == APIVersion(major: 1, minor: 44))
        #expect(APIVersion(parsing: "1.041") == nil)
        #expect(APIVersion(parsing: "+1.41") == nil)
        #expect(APIVersion(parsing: "1.4a") == nil)
    }

    /// A version-only path is the root of that version; the root itself has no version.
    @Test func roots() throws {
        let versioned = try RequestCanonicalizer.canonicalize(method: "GET", target: "/v1.41")
        #expect(versioned.apiVersion == APIVersion(major: 1, minor: 41))
        #expect(versioned.path == "/")
        #expect(versioned.route == nil)
        let root = try RequestCanonicalizer.canonicalize(method: "GET", target: "/?a=1")
        #expect(root.path == "/")
        #expect(root.query.first("a") == "1")
    }

    /// Object segments are decoded exactly once; "%40" (docker-py's "@") and "%2540" stay distinct (H-18).
    @Test func decodedOnce() throws {
        let once = try RequestCanonicalizer.canonicalize(method: "GET", target: "/images/busybox%40sha256:abc/json")
        #expect(once.path == "/images/busybox@sha256:abc/json")
        #expect(once.route?.objectName == "busybox@sha256:abc")
        let twice = try RequestCanonicalizer.canonicalize(method: "GET", target: "/images/busybox%2540x/json")
        #expect(twice.route?.objectName == "busybox%40x")
        let plus = try RequestCanonicalizer.canonicalize(method: "GET", target: "/containers/a+b/json")
        #expect(plus.route?.objectName == "a+b")
    }

    /// Decoded non-ASCII UTF-8 is kept in an object name; dockerd simply looks it up.
    @Test func decodedUnicodeObject() throws {
        let request = try RequestCanonicalizer.canonicalize(method: "GET", target: "/containers/caf%C3%A9/json")
        #expect(request.route?.objectName == "café")
    }

    /// The query is parsed whatever the route, and an empty query is no pairs.
    @Test func queryAttached() throws {
        let request = try RequestCanonicalizer.canonicalize(method: "GET", target: "/containers/abc/logs?stdout=1&follow=true")
        #expect(request.query.pairs.map(\.name) == ["stdout", "follow"])
        #expect(try RequestCanonicalizer.canonicalize(method: "GET", target: "/_ping?").query.pairs.isEmpty)
        #expect(try RequestCanonicalizer.canonicalize(method: "GET", target: "/_ping").query == QueryParameters())
    }

    /// A "/auth" inside the query does not change the route (H-03: classify on the decoded path, never on suffixes).
    @Test func suffixInQueryIgnored() throws {
        let request = try RequestCanonicalizer.canonicalize(method: "POST", target: "/containers/create?x=/auth")
        #expect(request.route?.action == .containerCreate)
        #expect(request.query.first("x") == "/auth")
    }
}
