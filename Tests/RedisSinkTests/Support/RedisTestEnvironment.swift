import Foundation
import Testing

/// The throwaway redis-server `scripts/test` starts (`$BINLOG_SINK_TEST_REDIS_PORT`); tests that need it are
/// skipped, visibly, when the variable is absent.
enum RedisTestEnvironment {
    static let port: Int? = ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_REDIS_PORT"].flatMap { Int($0) }

    static let skipReason: Comment =
        "needs a redis-server: set BINLOG_SINK_TEST_REDIS_PORT (scripts/test starts one on 36379)"
}
