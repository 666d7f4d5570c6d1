import ArgumentParser

/// `run`'s operating options: logs, metrics, progress and the graceful stop (docs/operations.md).
struct OperationsOptions: ParsableArguments {
    @OptionGroup var log: LogOptions

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (and /healthz) while running.")
    var metricsListen: String?

    @Option(help: "Write the metrics (Prometheus text) to this file once, at exit (cron runs).")
    var metricsFile: String?

    @Option(help: "Seconds between the metrics' questions to the source (binlog sizes, retention).")
    var metricsPollInterval: Double = 10

    @Option(help: "Progress of snapshots and --until runs: auto (a bar on a terminal, else lines), bar, lines or none.")
    var progress: ProgressReporter.Mode = .auto

    @Option(help: "Seconds between progress lines (--progress lines).")
    var progressInterval: Double = 10

    @Option(help: "Seconds a graceful stop (SIGTERM/SIGINT) may take before the run exits with status 7.")
    var shutdownTimeout: Double = 30

    func validate() throws {
        if shutdownTimeout <= 0 || shutdownTimeout > 3600 {
            throw ValidationError("--shutdown-timeout must be more than 0 and at most 3600 seconds")
        }
        if metricsPollInterval < 0.5 { throw ValidationError("--metrics-poll-interval must be at least 0.5 seconds") }
        if progressInterval < 0.5 { throw ValidationError("--progress-interval must be at least 0.5 seconds") }
    }
}
