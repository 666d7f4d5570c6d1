import CKafkaShims
import Foundation

/// What the Kafka tests get from scripts/test.
enum KafkaTestEnvironment {
    /// The Tansu broker's port (`$BINLOG_SINK_TEST_KAFKA_PORT`); nil when scripts/test did not start one.
    static let tansuPort: String? = ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_KAFKA_PORT"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// Debian's librdkafka 2.0.2 cannot talk to Tansu (its ApiVersions handling): the tests need a newer one, from
    /// LD_LIBRARY_PATH (scripts/lib/tansu.sh: tansu_rdkafka_libdir).
    static var runtimeTalksToTansu: Bool { ckafka_runtime_version() > 0x0200_02ff }

    /// A fresh name part per run, so that runs against one broker never read each other's topics.
    static func runID() -> String {
        "r\(UInt32.random(in: 0...UInt32.max))"
    }
}
