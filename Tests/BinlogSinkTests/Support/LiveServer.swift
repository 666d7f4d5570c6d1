import Testing

/// The suites that use the one throwaway MariaDB `scripts/test` starts. Some change its global settings for a
/// moment (`binlog_row_metadata=FULL`, `binlog_format=STATEMENT` to test `check`), which would break a workload
/// another suite runs at the same time: nested in this suite they run one after another.
@Suite(.serialized) enum LiveServer {}
