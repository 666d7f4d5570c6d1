// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "binlog-sink",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "binlog-sink", targets: ["binlog-sink"]),
        .library(name: "BinlogDecoder", targets: ["BinlogDecoder"]),
        .library(name: "CDCCore", targets: ["CDCCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // Pure Swift: binlog framing, events, column values, MySQL binary JSON. No C, no I/O, no Foundation.
        .target(name: "BinlogDecoder"),
        // Record model, value rendering (JSON), charsets, filters, the file parse pipeline.
        .target(name: "CDCCore", dependencies: ["BinlogDecoder", "CFileIO"]),
        // What Swift's Glibc module does not export for the file sink (sync_file_range).
        .target(name: "CFileIO"),
        // zstd (MySQL compressed transactions) and zlib (MariaDB compressed events) behind the decoder's protocol.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "BinlogCompression", dependencies: ["BinlogDecoder", "CZstd", "CZlib"]),
        // libmariadb (Connector/C): connections, information_schema, the replication stream. CShims wraps what
        // Swift cannot call (variadic functions, function-like macros).
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .target(name: "CShims", dependencies: ["CMariaDB"]),
        .target(
            name: "MySQLSource",
            dependencies: ["BinlogDecoder", "CDCCore", "BinlogCompression", "CMariaDB", "CShims"]
        ),
        // SQLite: positions and schema history, updated atomically.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "StateStore", dependencies: ["CDCCore", "CSQLite"]),
        // librdkafka (Debian's librdkafka-dev): the Kafka sink. CKafkaShims declares what Debian's headers lack
        // (the mock cluster's fault injection, exported by the library) and wraps variadic calls.
        .systemLibrary(name: "CKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(name: "CKafkaShims", dependencies: ["CKafka"]),
        .target(name: "KafkaSink", dependencies: ["CDCCore", "CKafka", "CKafkaShims"]),
        // hiredis (Debian's libhiredis-dev): the Redis sink. Debian's hiredis 0.14 has no TLS: rediss:// runs over an
        // OpenSSL session of the sink's own (RedisTLSSession), hiredis still opens the socket and reads replies.
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "RedisSink", dependencies: ["CDCCore", "CHiredis", "COpenSSL"]),
        // Connector files (YAML): a pure function from the file's bytes to command-line arguments, fuzzable.
        .target(name: "ConnectorConfig", dependencies: [.product(name: "Yams", package: "Yams")]),
        // jemalloc's options (`malloc_conf`), for release builds that link it.
        .target(name: "CAllocatorConfig"),
        .executableTarget(
            name: "binlog-sink",
            dependencies: [
                "BinlogDecoder", "CDCCore", "BinlogCompression", "MySQLSource", "StateStore", "KafkaSink", "RedisSink",
                "ConnectorConfig", "CAllocatorConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release builds allocate with jemalloc (Debian's libjemalloc2): librdkafka allocates every message and
            // header on one thread and frees it on another, which glibc's malloc serves slowly (BENCHMARKS.md).
            // Debug and sanitizer builds keep the system allocator.
            linkerSettings: [.linkedLibrary("jemalloc", .when(configuration: .release))]
        ),
        // Recorded server vectors and test certificates (scripts/lib/certs.sh) shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BinlogDecoderTests", dependencies: ["BinlogDecoder", "BinlogCompression", "TestSupport"]),
        .testTarget(name: "CDCCoreTests", dependencies: ["CDCCore", "BinlogDecoder", "BinlogCompression", "TestSupport"]),
        .testTarget(name: "MySQLSourceTests", dependencies: ["MySQLSource", "CDCCore", "BinlogDecoder"]),
        .testTarget(name: "StateStoreTests", dependencies: ["StateStore", "CDCCore"]),
        .testTarget(
            name: "KafkaSinkTests", dependencies: ["KafkaSink", "CDCCore", "CKafka", "CKafkaShims", "TestSupport"]),
        .testTarget(name: "ConnectorConfigTests", dependencies: ["ConnectorConfig"]),
        .testTarget(name: "RedisSinkTests", dependencies: ["RedisSink", "CDCCore", "CHiredis", "TestSupport"]),
        // End-to-end tests that run the built `binlog-sink` executable on fixtures and on a live throwaway MariaDB.
        .testTarget(
            name: "BinlogSinkTests",
            dependencies: ["CDCCore", "BinlogDecoder", "BinlogCompression", "ConnectorConfig", "TestSupport"],
            exclude: ["Support/kafka_consume.py", "Support/redis_avro_decode.py"]),
    ],
    swiftLanguageModes: [.v6]
)
