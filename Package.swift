// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "dockgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dockgate", targets: ["dockgate"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C at the edges: OpenSSL, libsystemd, zlib and the Linux-only headers Glibc does not import
        // (signalfd) are reached only through these five targets.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "COpenSSLShims", dependencies: ["COpenSSL"]),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),

        .target(name: "DockgateCore"),
        // The one wrapper for system calls: -1/errno → SystemError, EINTR retried, EAGAIN → .wouldBlock.
        // Below everything that touches a descriptor (IO, Audit, Systemd, PKI); depends on nothing.
        .target(name: "DockgateSyscall"),
        .target(name: "DockgateSystemd", dependencies: ["CSystemd", "DockgateSyscall"]),
        .target(name: "DockgateAudit", dependencies: ["DockgateCore", "DockgateSystemd", "DockgateSyscall"]),
        // zlib, for reading logrotate's gzip'd rotations of the audit file (`dockgate audit`).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Reading the trail back: rotated files and journald → records → who-ran, search, denials.
        .target(name: "DockgateAuditQuery", dependencies: ["DockgateAudit", "DockgateSystemd", "CZlib"]),
        // sys/signalfd.h, which Swift's Glibc module leaves out (no library to link).
        .systemLibrary(name: "CLinux"),
        .target(name: "DockgateIO", dependencies: ["DockgateCore", "DockgateSyscall", "CLinux"]),
        .target(name: "DockgateHTTP", dependencies: ["DockgateCore"]),
        // Counters, gauges and histograms in the Prometheus text format (no dependency).
        .target(name: "DockgateMetrics"),
        .target(name: "DockgateDocker", dependencies: ["DockgateHTTP", "DockgateCore"]),
        .target(name: "DockgatePolicy", dependencies: ["DockgateDocker", "DockgateCore"]),
        .target(name: "DockgateTLS", dependencies: ["COpenSSL", "COpenSSLShims", "DockgateCore"]),
        // Certificate issuing (dev PKI, client bundles): the other OpenSSL edge.
        .target(name: "DockgatePKI", dependencies: ["COpenSSL", "COpenSSLShims", "DockgateSyscall"]),
        .target(
            name: "DockgateConfig",
            dependencies: ["DockgateCore", "DockgateDocker", "DockgatePolicy", .product(name: "Yams", package: "Yams")]
        ),
        // The one decision entry point: identity → policy → head → body → object facts, shared by
        // `serve` and `policy explain`.
        .target(
            name: "DockgateAuthorization",
            dependencies: ["DockgateCore", "DockgateHTTP", "DockgateDocker", "DockgatePolicy", "DockgateConfig", "DockgateAudit"]
        ),
        // `dockgate policy suggest`: a policy from what a user did, read from the audit trail.
        .target(name: "DockgateSuggest", dependencies: ["DockgateAudit", "DockgateDocker", "DockgatePolicy"]),
        .target(
            name: "DockgateProxy",
            dependencies: [
                "DockgateCore", "DockgateIO", "DockgateTLS", "DockgateHTTP", "DockgateDocker",
                "DockgatePolicy", "DockgateConfig", "DockgateAudit", "DockgateMetrics", "DockgateAuthorization",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "dockgate",
            dependencies: [
                "DockgateProxy", "DockgateConfig", "DockgatePolicy", "DockgateDocker", "DockgateTLS", "DockgatePKI",
                "DockgateCore", "DockgateSystemd", "DockgateAudit", "DockgateAuditQuery", "DockgateSuggest",
                "DockgateAuthorization", "DockgateHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // libFuzzer harnesses (Tests/Scripts/fuzz.sh builds them with -sanitize=fuzzer; a plain build
        // gives replay-only executables). See Sources/DockgateFuzzSupport/Replay.swift.
        .target(name: "DockgateFuzzSupport"),
        .executableTarget(name: "FuzzHTTPRequestHead", dependencies: ["DockgateHTTP", "DockgateFuzzSupport"]),
        .executableTarget(name: "FuzzHTTPResponseHead", dependencies: ["DockgateHTTP", "DockgateFuzzSupport"]),
        .executableTarget(name: "FuzzChunkedBody", dependencies: ["DockgateHTTP", "DockgateFuzzSupport"]),
        .executableTarget(
            name: "FuzzDockerJSON", dependencies: ["DockgateDocker", "DockgatePolicy", "DockgateFuzzSupport"]),
        .executableTarget(name: "FuzzImageReference", dependencies: ["DockgateDocker", "DockgateFuzzSupport"]),
        .executableTarget(
            name: "FuzzRequestTarget", dependencies: ["DockgateDocker", "DockgatePolicy", "DockgateFuzzSupport"]),

        // bench/audit-encoding/run.sh: audit line encoding, the previous String encoder against the bytes one.
        .executableTarget(name: "AuditEncodingBench", dependencies: ["DockgateAudit", "DockgateCore"], path: "bench/audit-encoding", exclude: ["run.sh"]),

        .testTarget(name: "DockgateHTTPTests", dependencies: ["DockgateHTTP"]),
        .testTarget(name: "DockgateDockerTests", dependencies: ["DockgateDocker"]),
        // The host-side resolver and the nosymfollow check live in DockgateProxy/DockgateIO; their
        // tests sit with the rules they serve.
        .testTarget(
            name: "DockgatePolicyTests",
            dependencies: [
                "DockgatePolicy", "DockgateDocker", "DockgateIO", "DockgateProxy", "DockgateAuthorization", "DockgateAudit",
            ]),
        .testTarget(name: "DockgateTLSTests", dependencies: ["DockgateTLS", "DockgatePKI", "DockgateTestSupport"]),
        .testTarget(name: "DockgatePKITests", dependencies: ["DockgatePKI"]),
        // Helpers shared by test targets (a fake journald socket and its datagram parser, a TLS client
        // made with OpenSSL directly).
        .target(name: "DockgateTestSupport", dependencies: ["COpenSSL", "COpenSSLShims"], path: "Tests/DockgateTestSupport"),
        .testTarget(name: "DockgateSystemdTests", dependencies: ["DockgateSystemd", "DockgateTestSupport"]),
        .testTarget(name: "DockgateAuditTests", dependencies: ["DockgateAudit", "DockgateCore", "DockgateTestSupport"]),
        .testTarget(name: "DockgateAuditQueryTests", dependencies: ["DockgateAuditQuery", "DockgateAudit", "DockgateSystemd"]),
        .testTarget(name: "DockgateConfigTests", dependencies: ["DockgateConfig"]),
        .testTarget(name: "DockgateMetricsTests", dependencies: ["DockgateMetrics", "DockgateProxy", "DockgateAudit"]),
        .testTarget(
            name: "DockgateSuggestTests", dependencies: ["DockgateSuggest", "DockgateConfig", "DockgatePolicy", "DockgateAudit"]),
        // A helper process that blocks signals before its first thread, as `dockgate serve` does.
        .executableTarget(name: "SignalReceiverProbe", dependencies: ["DockgateIO"], path: "Tests/SignalReceiverProbe"),
        .testTarget(name: "DockgateIOTests", dependencies: ["DockgateIO", "DockgateCore", "SignalReceiverProbe"]),
        .testTarget(name: "DockgateSyscallTests", dependencies: ["DockgateSyscall"]),
        .testTarget(
            name: "DockgateProxyTests",
            dependencies: ["DockgateProxy", "DockgateAudit", "DockgateAuthorization", "DockgateCore", "DockgateDocker", "DockgateHTTP",
                           "DockgateIO", "DockgatePolicy",
                           .product(name: "Logging", package: "swift-log")]),
    ]
)
