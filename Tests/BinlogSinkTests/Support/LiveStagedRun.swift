import Foundation

/// A staged workload (LiveStage) run on a live server: where each stage ended in the binlog and what each checked
/// table held then (SELECT), so the records of a `run` over the same span can be checked stage by stage — the
/// columns of every row image against the table's shape at its position, and the replayed tables against the
/// server's content at the end of every stage.
struct LiveStagedRun {
    struct Stage {
        var stage: LiveStage
        /// The binlog end position after the stage (its records are before it, after the previous stage's end).
        var end: LiveBinlogPoint
        /// Each checked table's rows as `MariaDBClient.select` of `LiveComparison.serverExpression`s.
        var rows: [String: [[[UInt8]?]]]
    }

    var database: String
    var stages: [Stage]

    /// Runs `stages` in `database` one after another, each in its own session, reading the end position and the
    /// checked tables after each. Throws when a stage's declared shape is not what the server has (a mistake in
    /// the workload, not in binlog-sink).
    static func run(_ stages: [LiveStage], database: String, client: MariaDBClient) throws -> LiveStagedRun {
        var done: [Stage] = []
        for stage in stages {
            let output = try client.run(
                """
                SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';
                SET SESSION time_zone = '+00:00';
                USE `\(database)`;
                \(stage.sql);
                SHOW MASTER STATUS;
                """)
            let end = try LiveBinlogPoint.fromMasterStatus(output)
            var rows: [String: [[[UInt8]?]]] = [:]
            for table in stage.tables {
                let columns = try client.lines(
                    """
                    SELECT COLUMN_NAME FROM information_schema.COLUMNS
                    WHERE TABLE_SCHEMA = \(MariaDBClient.literal(database)) AND TABLE_NAME = \(MariaDBClient.literal(table.name))
                    ORDER BY ORDINAL_POSITION
                    """
                ).compactMap(\.first)
                guard columns == table.columns.map(\.name) else {
                    throw MariaDBClient.Failure(
                        message: "workload mistake: after stage \(stage.name), \(table.name) has columns \(columns) on "
                            + "the server, the test expects \(table.columns.map(\.name))")
                }
                rows[table.name] = try client.select(
                    table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
            }
            done.append(Stage(stage: stage, end: end, rows: rows))
        }
        return LiveStagedRun(database: database, stages: done)
    }

    /// The names of the tables checked in some stage.
    var checkedTables: Set<String> { Set(stages.flatMap { $0.stage.tables.map(\.name) }) }

    /// Every problem with `records` (a `run` from `start`): records of the checked tables in `only` (all when nil)
    /// are replayed stage by stage (LiveShapeReplayer); at the end of each stage each of those tables must equal
    /// what the server returned then.
    func problems(_ records: [BinlogRecord], from start: LiveBinlogPoint, only: Set<String>? = nil) -> [String] {
        let checked = only ?? checkedTables
        let ours = records.filter { $0.db == database && checked.contains($0.table) }
        var problems: [String] = []
        var replayer = LiveShapeReplayer()
        var next = 0
        var previousEnd = start
        var lastKey: (LiveBinlogPoint, Int)?
        for stage in stages {
            for effect in stage.stage.effects { replayer.apply(effect) }
            while next < ours.count, LiveBinlogPoint(ours[next]) < stage.end {
                let record = ours[next]
                let point = LiveBinlogPoint(record)
                if point < previousEnd {
                    problems.append("\(record.key): before the start of stage \(stage.stage.name) (\(previousEnd))")
                }
                if let lastKey, (lastKey.0, lastKey.1) >= (point, record.row) {
                    problems.append("\(record.key): not after the previous record \(lastKey.0):\(lastKey.1)")
                }
                lastKey = (point, record.row)
                replayer.apply(record, shape: stage.stage.table(record.table), stage: stage.stage.name)
                next += 1
            }
            previousEnd = stage.end
            for table in stage.stage.tables where checked.contains(table.name) {
                let differences = LiveComparison.compare(
                    table, replayed: replayer.rows(table.name), serverRows: stage.rows[table.name] ?? [])
                problems += differences.map { "after stage \(stage.stage.name): \($0)" }
            }
        }
        for record in ours[next...] {
            problems.append("\(record.key): after the end of the last stage (\(previousEnd))")
        }
        return replayer.problems + problems
    }
}
