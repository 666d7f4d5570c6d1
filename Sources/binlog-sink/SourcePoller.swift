import MySQLSource
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Asks the source every `interval` seconds, on a connection and thread of its own, what the lag and retention
/// metrics need: its binlogs and their sizes (SHOW BINARY LOGS) and its retention setting
/// (`binlog_expire_logs_seconds`, else `expire_logs_days`). Failures are logged once and retried at the next tick;
/// the replication stream is never affected.
final class SourcePoller: Sendable {
    private let stopping = Atomic<Bool>(false)

    private init() {}

    static func start(
        url: SourceURL, options: ConnectionOptions, observation: StreamObservation, interval: Double
    ) -> SourcePoller {
        let poller = SourcePoller()
        BackgroundThread.start {
            var connection: MySQLConnection?
            var warned = false
            while !poller.stopping.load(ordering: .relaxed) {
                do throws(MySQLSourceError) {
                    let live: MySQLConnection
                    if let connection {
                        live = connection
                    } else {
                        live = try MySQLConnection(url: url, options: options)
                    }
                    connection = live
                    let (logs, retention) = try poll(live)
                    observation.state.withLock { state in
                        state.serverLogs = logs
                        state.retentionSeconds = retention
                        state.retentionKnown = true
                    }
                    warned = false
                } catch {
                    connection = nil
                    if !warned { Logger.warn("metrics: cannot ask \(url.endpoint) for its binlogs: \(error)") }
                    warned = true
                }
                // Sleep in slices so stop() returns quickly.
                var slept = 0.0
                while slept < interval && !poller.stopping.load(ordering: .relaxed) {
                    usleep(100_000)
                    slept += 0.1
                }
            }
        }
        return poller
    }

    func stop() { stopping.store(true, ordering: .relaxed) }

    /// The binlogs (name, size) and the retention in seconds (nil: no purge by age).
    static func poll(_ connection: MySQLConnection) throws(MySQLSourceError) -> ([(String, UInt64)], Double?) {
        let logs: [(String, UInt64)] = try connection.query("SHOW BINARY LOGS").compactMap { row in
            guard let name = row.first ?? nil else { return nil }
            return (name, row.count > 1 ? UInt64(row[1] ?? "") ?? 0 : 0)
        }
        return (logs, try retentionSeconds(connection))
    }

    /// `binlog_expire_logs_seconds` when the server has it and it is set, else `expire_logs_days` × 86400; nil when
    /// neither is set (binlogs are only purged by hand or by size).
    static func retentionSeconds(_ connection: MySQLConnection) throws(MySQLSourceError) -> Double? {
        if let text = try? connection.scalar("SELECT @@global.binlog_expire_logs_seconds"), let seconds = Double(text),
            seconds > 0
        {
            return seconds
        }
        if let text = try connection.scalar("SELECT @@global.expire_logs_days"), let days = Double(text), days > 0 {
            return days * 86400
        }
        return nil
    }
}
