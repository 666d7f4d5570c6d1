import CDCCore
import MySQLSource
import StateStore

/// The snapshot's progress as the operations hooks show it (docs/operations.md): per table the
/// `binlog_sink_snapshot_rows_done`/`_estimated` gauges after each chunk, and one `snapshot` task of the progress
/// reporter (rows done of all tables / estimated, rate, ETA) when `--progress` shows one.
///
/// Estimates are `information_schema.TABLES.TABLE_ROWS`, read once per table before the first one is copied (InnoDB's
/// figure is approximate); a finished table's estimate is replaced by its real count.
final class SnapshotProgressTracker {
    private var estimates: [TableName: UInt64] = [:]
    private var done: [TableName: UInt64] = [:]
    private var finished: Set<TableName> = []

    /// Reads the tables' estimates; tables an earlier run finished count as done.
    func estimate(
        _ tables: [TableName], reader: SnapshotReader, saved: [TableName: SnapshotProgress]
    ) throws(CDCError) {
        for name in tables {
            if let progress = saved[name] {
                done[name] = progress.rows
                if progress.finished {
                    finished.insert(name)
                    Metrics.shared.snapshotProgress(
                        table: name.description, rowsDone: progress.rows, rowsEstimated: progress.rows)
                    continue
                }
            }
            let rows = try reader.query(
                "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                    + reader.literal(name.database) + " AND TABLE_NAME = " + reader.literal(name.table))
            if let text = rows.first?.first ?? nil, let value = UInt64(text) { estimates[name] = value }
        }
        report(nil)
    }

    /// Rows done of `table` so far; `chunkDone` at the end of each chunk (the metrics), `finished` after its last.
    func rows(_ table: TableName, done rows: UInt64, chunkDone: Bool, finished last: Bool = false) {
        done[table] = rows
        if last {
            finished.insert(table)
            estimates[table] = rows
        }
        if chunkDone {
            Metrics.shared.snapshotProgress(
                table: table.description, rowsDone: rows, rowsEstimated: estimates[table].map { max($0, rows) })
        }
        report(table)
    }

    private func report(_ current: TableName?) {
        guard let reporter = ProgressReporter.shared else { return }
        var total: UInt64 = 0
        let all = done.values.reduce(0, +)
        for (name, estimate) in estimates { total += max(estimate, done[name] ?? 0) }
        for (name, rows) in done where estimates[name] == nil { total += rows }
        reporter.update(
            task: "snapshot", done: Double(all), total: total > 0 ? Double(total) : nil, unit: .rows,
            detail: current?.description ?? "")
    }
}
