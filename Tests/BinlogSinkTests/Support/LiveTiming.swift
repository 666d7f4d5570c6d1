import Foundation

/// Time windows of the end-to-end tests that assume a normally built `binlog-sink`. Under a sanitizer the binary
/// starts and runs several times slower (scripts/sanitize sets `BINLOG_SINK_TEST_TIME_SCALE`, docs/sanitizers.md),
/// so a "random moment while it delivers" must be scaled, or every kill lands before the first checkpoint.
enum LiveTiming {
    /// `$BINLOG_SINK_TEST_TIME_SCALE` (1 to 20), else 1.
    static let scale: UInt32 = {
        guard let text = ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_TIME_SCALE"], let value = UInt32(text)
        else { return 1 }
        return min(max(value, 1), 20)
    }()

    /// A pause range in microseconds, scaled.
    static func scaled(_ range: ClosedRange<UInt32>) -> ClosedRange<UInt32> {
        (range.lowerBound * scale)...(range.upperBound * scale)
    }
}
