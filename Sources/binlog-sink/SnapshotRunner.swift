import CDCCore
import Dispatch
import Foundation
import MySQLSource
import StateStore
import Synchronization

/// Reads the captured tables in one consistent view and writes their rows as `read` records to the sink
/// (docs/snapshot.md): primary-key chunks, checkpointed per chunk in the state store once the sink acknowledged
/// them, resumed after an interruption at the last acknowledged chunk.
///
/// Threads: this thread reads rows off the connection (streamed) and copies them into blocks; blocks are converted
/// and encoded by a concurrent queue and handed to the sink, in order, by a serial writer queue (at most
/// `maxInFlight` blocks in flight); checkpoints drain both first.
final class SnapshotRunner {
    struct Settings {
        var chunkSize = 10_000
        var filter = TableFilter()
        var columnFilter = ColumnFilter()
        /// Only these tables (`snapshot --table`); empty: every table the filter accepts.
        var tables: [TableName] = []
        /// `--where`: a condition added to every chunk's query.
        var condition: String?
        /// Seconds between progress checkpoints (sink flush + save).
        var checkpointInterval = 1.0
    }

    struct TableSummary {
        var name: TableName
        var rows: UInt64
        var chunks: UInt64
        var seconds: Double
        var skipped: Bool
    }

    struct Summary {
        var tables: [TableSummary] = []
        /// Where streaming continues: the oldest consistent-snapshot position used.
        var file = ""
        var position: UInt64 = 0
        var seconds = 0.0
        var resumed = false

        var rows: UInt64 { tables.reduce(0) { $0 + $1.rows } }

        func lines() -> [String] {
            var lines = tables.map { table in
                let rate = table.seconds > 0 ? Int(Double(table.rows) / table.seconds) : 0
                return table.skipped
                    ? "  \(table.name): \(table.rows) rows (finished by an earlier run)"
                    : "  \(table.name): \(table.rows) rows in \(table.chunks) chunks, "
                        + "\(String(format: "%.2f", table.seconds)) s (\(rate) rows/s)"
            }
            let rate = seconds > 0 ? Int(Double(rows) / seconds) : 0
            lines.insert(
                "snapshot: \(rows) rows of \(tables.count) tables in \(String(format: "%.2f", seconds)) s "
                    + "(\(rate) rows/s), consistent at \(file):\(position)" + (resumed ? " (resumed)" : ""),
                at: 0)
            return lines
        }
    }

    static let maxInFlight = 6
    static let blockBytes = 1 << 20
    static let blockRows = 4096

    let url: SourceURL
    let connectionOptions: ConnectionOptions
    let sink: any RecordSink
    let encoder: any RecordEncoder
    let keeper: StateKeeper?
    let settings: Settings
    let log: (String) -> Void
    private let queue = DispatchQueue(label: "binlog-sink.snapshot.render", attributes: .concurrent)
    /// Hands rendered blocks to the sink in submission order (its own thread: the connection thread only reads).
    private let writer = DispatchQueue(label: "binlog-sink.snapshot.write")
    private let slots = DispatchSemaphore(value: SnapshotRunner.maxInFlight)
    private let failure = FirstFailure()
    private let sinkBox: SinkBox
    private var lastCheckpoint = DispatchTime.now()
    private let tracker = SnapshotProgressTracker()

    /// A rendered block, filled by a render worker.
    final class RenderResult: @unchecked Sendable {
        var batch: RecordBatch?
        var error: CDCError?
    }

    init(
        url: SourceURL, connectionOptions: ConnectionOptions, sink: any RecordSink, encoder: any RecordEncoder,
        keeper: StateKeeper?, settings: Settings, log: @escaping (String) -> Void
    ) {
        self.url = url
        self.connectionOptions = connectionOptions
        self.sink = sink
        self.sinkBox = SinkBox(sink)
        self.encoder = encoder
        self.keeper = keeper
        self.settings = settings
        self.log = log
    }

    /// The saved snapshot run of the state, nil when none was started.
    static func savedRun(_ keeper: StateKeeper) throws(CDCError) -> SnapshotRun? {
        do {
            return try keeper.store.snapshotRun()
        } catch {
            throw StateKeeper.cdcError(error)
        }
    }

    /// Runs the snapshot. With a keeper, progress is checkpointed and the finished snapshot recorded together with
    /// the stream's start position (the caller checked there is no finished snapshot yet).
    func run() throws(CDCError) -> Summary {
        let started = DispatchTime.now()
        let reader = try SnapshotReader(url: url, options: connectionOptions)
        let loader = try InformationSchemaLoader(url: url, options: connectionOptions)
        let serverID = try loader.sourceServerID()
        try reader.begin()
        defer { reader.end() }
        var summary = Summary()
        var run = SnapshotRun(
            position: BinlogFilePosition(file: reader.file, offset: reader.position),
            startedAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        var progress: [TableName: SnapshotProgress] = [:]
        if let keeper {
            do {
                if let saved = try keeper.store.snapshotRun() {
                    // Resuming: a new view, but the stream must start at the oldest position any rows were read at.
                    summary.resumed = true
                    run.startedAtMilliseconds = saved.startedAtMilliseconds
                    // (A new view is never older than the saved one: the saved position stands.)
                    run.position = min(saved.position, run.position)
                    for entry in try keeper.store.snapshotProgress() {
                        progress[TableName(entry.database, entry.table)] = entry
                    }
                    log(
                        "resuming the snapshot started at \(saved.position) in a new consistent view at "
                            + "\(reader.file):\(reader.position); streaming will start at \(run.position)")
                } else {
                    try keeper.store.beginSnapshotRun(run)
                }
            } catch {
                throw StateKeeper.cdcError(error)
            }
        }
        summary.file = run.position.file
        summary.position = run.position.offset
        log("snapshot: consistent view at \(reader.file):\(reader.position)")

        let registry = SchemaRegistry(mariadb: reader.isMariaDB)
        let tables = try tableNames(reader)
        if tables.isEmpty { log("snapshot: no table matches the table filter") }
        try tracker.estimate(tables, reader: reader, saved: progress)
        for name in tables {
            if let saved = progress[name], saved.finished {
                summary.tables.append(
                    TableSummary(name: name, rows: saved.rows, chunks: saved.chunks, seconds: 0, skipped: true))
                continue
            }
            guard let schema = try loader.loadSchema(of: name) else {
                log("snapshot: \(name) no longer exists: skipped")
                continue
            }
            let table = try SnapshotTable(schema: schema, registry: registry)
            let tableSummary = try copy(
                table, reader: reader, run: run, saved: progress[name], serverID: serverID ?? 0,
                timestamp: UInt32(clamping: run.startedAtMilliseconds / 1000))
            summary.tables.append(tableSummary)
        }
        try drain()
        try sink.flush()
        if let keeper {
            var position = SavedPosition(binlog: run.position)
            position.serverID = serverID
            do {
                try keeper.store.finishSnapshotRun(run, position: position)
            } catch {
                throw StateKeeper.cdcError(error)
            }
        }
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return summary
    }

    /// The tables to read: `settings.tables`, else every base table the filter accepts, in name order.
    private func tableNames(_ reader: SnapshotReader) throws(CDCError) -> [TableName] {
        if !settings.tables.isEmpty { return settings.tables }
        let rows = try reader.query(
            """
            SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
            WHERE TABLE_TYPE = 'BASE TABLE'
              AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
            ORDER BY TABLE_SCHEMA, TABLE_NAME
            """)
        return rows.compactMap { row in
            guard row.count == 2, let database = row[0], let table = row[1],
                settings.filter.accepts(database: database, table: table)
            else { return nil }
            return TableName(database, table)
        }
    }

    /// Copies one table chunk by chunk; returns what it did.
    private func copy(
        _ table: SnapshotTable, reader: SnapshotReader, run: SnapshotRun, saved: SnapshotProgress?,
        serverID: UInt32, timestamp: UInt32
    ) throws(CDCError) -> TableSummary {
        let started = DispatchTime.now()
        let info = try SnapshotRenderer.makeInfo(table, columnFilter: settings.columnFilter, encoder: encoder)
        let renderer = SnapshotRenderer(
            table: table, info: info, encoder: encoder, keys: sink.wantsKeys, file: run.position.file,
            position: run.position.offset, serverID: serverID, timestamp: timestamp)
        var rows = saved?.rows ?? 0
        var chunks = saved?.chunks ?? 0
        var bound: String? = saved?.lastChunkKey.map { String(decoding: $0, as: UTF8.self) }
        if saved != nil {
            log("snapshot: \(table.name) resumes after \(rows) rows (\(chunks) chunks)")
        }
        let columns = table.kinds.count
        let fieldsPerRow = columns + table.keyColumns.count
        let chunked = !table.keyColumns.isEmpty
        if !chunked && saved != nil {
            rows = 0  // read whole: an interrupted table without a primary key starts over
            chunks = 0
        }
        var finished = false
        while !finished {
            let sql = table.chunkQuery(
                after: bound, where: settings.condition, limit: chunked ? settings.chunkSize : nil)
            var block = SnapshotRowBlock(fieldsPerRow: fieldsPerRow, firstOrdinal: Int(rows))
            var lastKey: [[UInt8]?] = []
            var chunkRows = 0
            try reader.stream(sql) { (fields: SnapshotRowFields) throws(CDCError) in
                block.append { fields[$0] }
                chunkRows += 1
                if block.rowCount >= Self.blockRows || block.byteCount >= Self.blockBytes {
                    if chunked { lastKey = Self.key(of: block, columns: columns, keys: table.keyColumns.count) }
                    // Handed over as the only reference: the render worker then converts in place, without a copy.
                    var full = SnapshotRowBlock(fieldsPerRow: fieldsPerRow, firstOrdinal: Int(rows) + chunkRows)
                    swap(&full, &block)
                    try submit(full, renderer)
                    tracker.rows(table.name, done: rows + UInt64(chunkRows), chunkDone: false)
                }
            }
            if block.rowCount > 0 {
                if chunked { lastKey = Self.key(of: block, columns: columns, keys: table.keyColumns.count) }
                var last = SnapshotRowBlock(fieldsPerRow: fieldsPerRow, firstOrdinal: 0, capacity: 0)
                swap(&last, &block)
                try submit(last, renderer)
            }
            rows += UInt64(chunkRows)
            chunks += 1
            finished = !chunked || chunkRows < settings.chunkSize
            if !lastKey.isEmpty { bound = table.keyCondition(lastKey) }
            tracker.rows(table.name, done: rows, chunkDone: true, finished: finished)
            let stopping = !finished && ShutdownSignal.shared.requested
            let due =
                Double(DispatchTime.now().uptimeNanoseconds - lastCheckpoint.uptimeNanoseconds) / 1e9
                >= settings.checkpointInterval
            if let keeper, finished || due || stopping {
                try drain()
                try sink.flush()
                lastCheckpoint = DispatchTime.now()
                let progress = SnapshotProgress(
                    database: table.schema.database, table: table.schema.table,
                    lastChunkKey: bound.map { Array($0.utf8) }, rows: rows, finished: finished, chunks: chunks)
                do {
                    try keeper.store.saveSnapshotCheckpoint(progress, run: run)
                } catch {
                    throw StateKeeper.cdcError(error)
                }
            }
            if stopping {
                try drain()
                try sink.flush()
                throw CDCError(
                    .io,
                    "snapshot stopped by a signal after \(rows) rows of \(table.name): "
                        + (keeper == nil
                            ? "not finished (without --state a new snapshot starts over)"
                            : "the next run with this --state resumes after the last saved chunk"))
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        log("snapshot: \(table.name): \(rows) rows")
        return TableSummary(name: table.name, rows: rows, chunks: chunks, seconds: seconds, skipped: false)
    }

    /// The key fields of the block's last row (they follow the table's columns).
    static func key(of block: SnapshotRowBlock, columns: Int, keys: Int) -> [[UInt8]?] {
        let row = block.rowCount - 1
        return (0..<keys).map { index in
            block.range(row: row, field: columns + index).map { Array(block.bytes[$0]) }
        }
    }

    /// Renders the block on the render queue and hands it to the sink on the writer queue, in order. At most
    /// `maxInFlight` blocks are rendering or waiting for the sink: beyond that this (the connection) thread waits,
    /// so memory stays bounded whatever the sink's speed.
    private func submit(_ block: consuming SnapshotRowBlock, _ renderer: SnapshotRenderer) throws(CDCError) {
        slots.wait()
        if let failure = failure.value.withLock({ $0 }) {
            slots.signal()
            throw failure
        }
        let done = DispatchSemaphore(value: 0)
        let result = RenderResult()
        let box = BlockBox(block)
        queue.async {
            guard let block = box.take() else {
                done.signal()
                return
            }
            do throws(CDCError) {
                result.batch = try renderer.render(block)
            } catch {
                result.error = error
            }
            done.signal()
        }
        let sink = self.sinkBox
        let failure = self.failure
        let slots = self.slots
        writer.async {
            done.wait()
            defer { slots.signal() }
            guard failure.value.withLock({ $0 == nil }) else { return }
            if let error = result.error {
                failure.value.withLock { $0 = error }
            } else if let batch = result.batch {
                do throws(CDCError) {
                    try sink.sink.write(batch)
                } catch {
                    failure.value.withLock { $0 = error }
                }
            }
        }
    }

    /// Waits until every submitted block is rendered and handed to the sink, in order; throws the first failure.
    private func drain() throws(CDCError) {
        writer.sync {}
        if let failure = failure.value.withLock({ $0 }) { throw failure }
    }

    /// A block on its way to a render worker, which takes it out (so it holds the only reference).
    final class BlockBox: @unchecked Sendable {
        private var block: SnapshotRowBlock?
        init(_ block: consuming SnapshotRowBlock) { self.block = block }
        func take() -> SnapshotRowBlock? { block.take() }
    }

    /// The first failure of a render or a sink write; once set, nothing more is written.
    final class FirstFailure: Sendable {
        let value = Mutex<CDCError?>(nil)
    }

    /// The sink as the writer queue uses it: only there while blocks are in flight, only on this thread after a
    /// `drain` (`writer.sync` orders the two).
    final class SinkBox: @unchecked Sendable {
        let sink: any RecordSink
        init(_ sink: any RecordSink) { self.sink = sink }
    }
}
