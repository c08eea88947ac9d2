// swift-tools-version: 6.1
import PackageDescription

// Dependency arrows point one way:
//
//   SkewlessModel  (definitions, values, keys, errors, write batches; no I/O but
//                   ChildProcess, on posix_spawn through the CSkewlessSpawn shim)
//     ^
//     +-- SkewlessRepo (the YAML feature repo) <-- SkewlessIngest (CSV, JSON Lines rows)
//     +-- SkewlessCluster (partitions, map, key hashing)
//     +-- SkewlessCompression (CLZ4)
//     |     ^
//     +-----+-- SkewlessOnlineStore (latest rows; digests by partition, on SkewlessCluster)
//     +-----+-- SkewlessOfflineStore (segments, write logs, PIT; takes and emits the model's
//     |     |                         write batches, knows nothing of the online store)
//     +-----+-- SkewlessWire (NIOCore + protobuf)
//
//   SkewlessTLS (NIOSSL: TLS contexts from PEM files, reloadable; no sockets)
//     ^
//   SkewlessServer (NIOPosix: online + offline store, wire, cluster membership, repair;
//                   principals from tokens (JWTKit, Crypto) or client certificates, grants;
//                   Prometheus metrics through swift-metrics and swift-prometheus, on NIOHTTP1;
//                   SkewlessIngest's checks of ingested rows and times)
//   Skewless (client SDK, NIOPosix: wire, routing by SkewlessCluster, TLS by SkewlessTLS)
//   SkewlessMonitoring (drift between windows of the offline store or served values, the
//                       served-value audit; on the offline store and SkewlessIngest)
//   SkewlessBenchmark (fsbench's harness, on the SDK)
//   SkewlessControl (the control plane: etcd client over AsyncHTTPClient, the map stores,
//                    rebalance coordinator, failure detector and controller; on SkewlessServer
//                    for the node's agent and repair, and on the SDK for talking to nodes)
//   SkewlessCommandLine (ArgumentParser options fsctl and fsbench share, on the SDK)
//   fsnode / fsctl / fsbench (thin executables on top)
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Skewless",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Skewless", targets: ["Skewless"]),
        .executable(name: "fsnode", targets: ["fsnode"]),
        .executable(name: "fsctl", targets: ["fsctl"]),
        .executable(name: "fsbench", targets: ["fsbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        // Tests only: certificates made at test time (TestPKI).
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Definitions, values, entity keys, write batches, statuses and errors. No networking,
        // no storage; and ChildProcess, the one launcher of child processes (fsbench's Redis,
        // the test etcd, the multi-process tests), on posix_spawn.
        .target(name: "SkewlessModel", dependencies: ["CSkewlessSpawn"], swiftSettings: swiftSettings),
        // The posix_spawn and pipe2 calls glibc declares only under _GNU_SOURCE, which Swift's
        // Glibc module does not show (ChildProcess's shim).
        .target(name: "CSkewlessSpawn"),
        // The YAML feature repo: loading and validation with file/line errors.
        .target(
            name: "SkewlessRepo",
            dependencies: ["SkewlessModel", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Reading rows from CSV and JSON Lines and checking them against a view's schema, and
        // formatting features for people (fsctl; offline ingestion later). No networking.
        .target(name: "SkewlessIngest", dependencies: ["SkewlessModel", "SkewlessRepo"], swiftSettings: swiftSettings),
        // liblz4 from Debian (liblz4-dev).
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        // Embedding block codec: raw little-endian float32, LZ4-compressed when it pays.
        .target(name: "SkewlessCompression", dependencies: ["CLZ4", "SkewlessModel"], swiftSettings: swiftSettings),
        // Protobuf messages and the length-prefixed frame codec. NIOCore only.
        .target(
            name: "SkewlessWire",
            dependencies: [
                "SkewlessModel",
                "SkewlessCompression",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // The in-memory online store: latest row per (view, entity), columnar. SkewlessCluster
        // (no I/O) for the key hash its partition digests group rows by.
        .target(
            name: "SkewlessOnlineStore",
            dependencies: ["SkewlessModel", "SkewlessCompression", "SkewlessCluster"],
            swiftSettings: swiftSettings
        ),
        // The offline segment store, the source of truth: immutable checksummed segment files
        // with the full history of every view, manifests, compaction, point-in-time reads.
        .target(
            name: "SkewlessOfflineStore",
            dependencies: ["SkewlessModel", "SkewlessCompression"],
            swiftSettings: swiftSettings
        ),
        // Watching features: drift between windows of the offline store or served values
        // (PSI, KS), plots; the served-feature log printed and audited against the store
        // point in time; times and values printed as SkewlessIngest prints them.
        .target(
            name: "SkewlessMonitoring",
            dependencies: ["SkewlessModel", "SkewlessOfflineStore", "SkewlessIngest"],
            swiftSettings: swiftSettings
        ),
        // Partitioning and the cluster map: key hashing, partition assignment, epochs. No I/O
        // beyond persisting the map.
        .target(name: "SkewlessCluster", dependencies: ["SkewlessModel"], swiftSettings: swiftSettings),
        // TLS for nodes and clients (docs/operations.md, "Security"): server and client contexts
        // built from PEM files, reloaded without a restart. NIOCore and NIOSSL only.
        .target(
            name: "SkewlessTLS",
            dependencies: [
                "SkewlessModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The node: TCP server, request handling, lifecycle; TLS, principals and grants.
        .target(
            name: "SkewlessServer",
            dependencies: [
                "SkewlessModel",
                "SkewlessTLS",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                "SkewlessRepo",
                "SkewlessIngest",
                "SkewlessWire",
                "SkewlessOnlineStore",
                "SkewlessOfflineStore",
                "SkewlessCluster",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The client SDK for inference services. ServiceLifecycle: the client runs as a
        // `Service` (or scoped, in `withFeatureClient`).
        .target(
            name: "Skewless",
            dependencies: [
                "SkewlessModel",
                "SkewlessTLS",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "SkewlessWire",
                "SkewlessCompression",
                "SkewlessCluster",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The latency harness behind fsbench: workloads, load models, percentiles, reports,
        // and the Redis baseline. SkewlessCluster (no networking) finds the replicas of a
        // written row's partition, which the freshness probe reads back directly.
        .target(
            name: "SkewlessBenchmark",
            dependencies: [
                "Skewless",
                "SkewlessCluster",
                "SkewlessModel",
                "SkewlessTLS",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The control plane in etcd (docs/cluster.md, "The control plane in etcd"): an etcd v3
        // client over the JSON gateway, the typed store of the cluster map, node registrations
        // and controller election, a lease keeper, and a real etcd process for tests.
        .target(
            name: "SkewlessControl",
            dependencies: [
                "SkewlessModel",
                "SkewlessCluster",
                "SkewlessServer",
                "SkewlessWire",
                "Skewless",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SkewlessCommandLine",
            dependencies: [
                "Skewless",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fsnode",
            dependencies: [
                "SkewlessServer",
                "SkewlessTLS",
                "Skewless",
                "SkewlessRepo",
                "SkewlessCluster",
                "SkewlessControl",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fsctl",
            dependencies: [
                "Skewless",
                "SkewlessCommandLine",
                "SkewlessRepo",
                "SkewlessIngest",
                "SkewlessOfflineStore",
                "SkewlessCluster",
                "SkewlessControl",
                "SkewlessServer",
                "SkewlessMonitoring",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fsbench",
            dependencies: [
                "Skewless",
                "SkewlessCommandLine",
                "SkewlessTLS",
                "SkewlessBenchmark",
                "SkewlessCompression",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SkewlessExample",
            dependencies: ["Skewless"],
            path: "examples/SkewlessExample",
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "SkewlessModelTests", dependencies: ["SkewlessModel"]),
        .testTarget(name: "SkewlessRepoTests", dependencies: ["SkewlessRepo"]),
        .testTarget(name: "SkewlessCompressionTests", dependencies: ["SkewlessCompression"]),
        .testTarget(name: "SkewlessIngestTests", dependencies: ["SkewlessIngest", "SkewlessModel"]),
        .testTarget(
            name: "SkewlessWireTests",
            dependencies: [
                "SkewlessWire",
                "SkewlessModel",
                "SkewlessCompression",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SkewlessOnlineStoreTests", dependencies: ["SkewlessOnlineStore", "SkewlessCluster", "SkewlessModel"]),
        .testTarget(name: "SkewlessOfflineStoreTests", dependencies: ["SkewlessOfflineStore", "SkewlessModel", "SkewlessOnlineStore", "SkewlessCompression"]),
        .testTarget(name: "SkewlessClusterTests", dependencies: ["SkewlessCluster", "SkewlessModel"]),
        .testTarget(
            name: "SkewlessMonitoringTests",
            dependencies: ["SkewlessMonitoring", "SkewlessOfflineStore", "SkewlessModel", "SkewlessIngest"]
        ),
        // Against a real etcd each suite starts (EtcdServerProcess); needs etcd-server (scripts/setup.sh).
        .testTarget(
            name: "SkewlessControlTests",
            dependencies: [
                "SkewlessControl",
                "SkewlessCluster",
                "SkewlessModel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Multi-process tests: real fsnode processes on 127.0.0.1 driven through the SDK and
        // fsctl (routing, wrong-shard retry, rebalance under load, kill -9 failover).
        .testTarget(
            name: "ClusterProcessTests",
            dependencies: ["Skewless", "SkewlessCluster", "SkewlessControl", "SkewlessModel", "SkewlessOfflineStore"]
        ),
        .testTarget(
            name: "SkewlessBenchmarkTests",
            dependencies: [
                "SkewlessBenchmark",
                "Skewless",
                "SkewlessCluster",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(
            name: "SkewlessServerTests",
            dependencies: [
                "SkewlessServer",
                "SkewlessTLS",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                "SkewlessRepo",
                "SkewlessWire",
                "SkewlessCluster",
                "SkewlessOfflineStore",
                "SkewlessOnlineStore",
                "SkewlessMonitoring",
                .product(name: "Logging", package: "swift-log"),
                "Skewless",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "SkewlessTests",
            dependencies: [
                "Skewless",
                "SkewlessWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
