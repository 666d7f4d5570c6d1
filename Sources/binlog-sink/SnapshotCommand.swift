import ArgumentParser
import CDCCore
import MySQLSource

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Copy the current rows of the captured tables to the sink as `read` records (docs/snapshot.md).",
        discussion: """
            Without --table: the initial snapshot of every table the --include/--exclude filter accepts, in one \
            consistent view (MariaDB: no lock), in primary-key chunks of --snapshot-chunk-size rows. With --state \
            the progress is checkpointed after each acknowledged chunk, an interrupted snapshot resumes at its last \
            chunk, and the finished snapshot is recorded with the position a later `run --state` streams from \
            (the same as `run --snapshot only`). \
            With --table db.t (repeatable, optionally --where SQL): re-snapshot those tables on demand, e.g. while a \
            `run` streams into the same sink; this never touches a state (--state is refused): the records carry the \
            position of their own consistent view.
            """
    )

    @OptionGroup var connection: SourceConnectionOptions

    @OptionGroup var sinkOptions: SinkOptions

    @Option(help: "State directory (the initial snapshot's progress and the position streaming continues from).")
    var state: String?

    @Option(help: "Re-snapshot this table (db.table, repeatable) on demand; no state is used.")
    var table: [String] = []

    @Option(name: .customLong("where"), help: "With --table: only rows matching this SQL condition.")
    var condition: String?

    @Option(help: "Rows per primary-key chunk (one SELECT … ORDER BY key LIMIT n).")
    var snapshotChunkSize: Int = 10_000

    @OptionGroup var selection: SelectionOptions

    @OptionGroup(title: "Operating") var operations: OperationsOptions

    func validate() throws {
        if snapshotChunkSize < 1 || snapshotChunkSize > 10_000_000 {
            throw ValidationError("--snapshot-chunk-size must be 1 to 10000000 rows")
        }
        if !table.isEmpty && state != nil {
            throw ValidationError(
                "--table re-snapshots tables on demand and never uses a state (it must not move a running `run`'s "
                    + "checkpoint): drop --state")
        }
        if condition != nil && table.isEmpty {
            throw ValidationError("--where applies to --table: name the table(s) it filters")
        }
        for name in table where name.split(separator: ".", omittingEmptySubsequences: false).count != 2 {
            throw ValidationError("--table \(name): expected db.table")
        }
    }

    func run() throws {
        let log: (String) -> Void = { ErrorReporter.printStderr("binlog-sink: \($0)") }
        var runOperations: RunOperations?
        defer { runOperations?.finish() }
        do throws(CDCError) {
            runOperations = try RunOperations(options: operations)
            let (url, connectionOptions) = try connection.resolve()
            let keeper = try state.map { directory throws(CDCError) in
                try StateKeeper(directory: directory, filter: selection.tableFilter)
            }
            var settings = SnapshotRunner.Settings()
            settings.chunkSize = snapshotChunkSize
            settings.filter = selection.tableFilter
            settings.columnFilter = selection.columnFilter
            settings.condition = condition
            settings.checkpointInterval = sinkOptions.checkpointInterval
            settings.tables = table.map { name in
                let parts = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                return TableName(String(parts[0]), String(parts[1]))
            }
            if let summary = try SnapshotStage.perform(
                url: url, connection: connectionOptions, sinkOptions: sinkOptions, settings: settings, keeper: keeper,
                operations: operations, log: log)
            {
                for line in summary.lines() { ErrorReporter.printStderr(line) }
            }
        } catch {
            throw ErrorReporter.exit(for: error)
        }
    }
}
