import CDCCore
import MySQLSource

/// The snapshot as a step of `run --snapshot` and of `snapshot`: its own encoder and sink instance (same options
/// as the stream's), closed when the snapshot is done, so the stream that follows starts on a clean sink.
enum SnapshotStage {
    /// `--snapshot`: when `run` takes a snapshot.
    enum Mode: String, CaseIterable {
        /// Never (default): `run` only streams.
        case never
        /// Once per state: when the state has no finished snapshot, snapshot first, then stream from its position.
        case initial
        /// Snapshot (or finish an interrupted one), then exit without streaming.
        case only
    }

    /// Runs the snapshot unless `keeper` records a finished one; returns its summary (nil when skipped). With
    /// `operations`, its `--progress` shows the snapshot's progress (stopped when the snapshot ends).
    static func perform(
        url: SourceURL, connection: ConnectionOptions, sinkOptions: SinkOptions, settings: SnapshotRunner.Settings,
        keeper: StateKeeper?, operations: OperationsOptions? = nil, log: @escaping (String) -> Void
    ) throws(CDCError) -> SnapshotRunner.Summary? {
        if let keeper, let saved = try SnapshotRunner.savedRun(keeper), saved.finished {
            log(
                "the state records a finished snapshot (consistent at \(saved.position)): not taken again; "
                    + "streaming resumes from the saved position")
            return nil
        }
        let loader = try InformationSchemaLoader(url: url, options: connection)
        let format = try FormatFactory.make(
            sinkOptions, name: url.endpoint, mariadb: loader.isMariaDB, saved: try keeper?.loadAvroSchemas() ?? [],
            log: { Logger.info($0) })
        var encoder = format.encoder
        if let schemas = format.schemas {
            guard let keeper else {
                throw CDCError(
                    .usage, "--format avro needs --state DIR: schema ids must be saved so consumers can always decode")
            }
            encoder = PersistingEncoder(inner: encoder, schemas: schemas, keeper: keeper)
        }
        let sink = try SinkFactory.make(SinkFactory.Context(options: sinkOptions, encoder: encoder, log: log))
        let progress = operations.flatMap {
            ProgressReporter.start(mode: $0.progress, oneShot: true, lineInterval: $0.progressInterval)
        }
        defer { progress?.stop() }
        let runner = SnapshotRunner(
            url: url, connectionOptions: connection, sink: sink, encoder: encoder, keeper: keeper, settings: settings,
            log: log)
        let summary = try runner.run()
        try sink.close()
        return summary
    }
}

extension SnapshotStage {
    /// `run --snapshot MODE`: takes the snapshot when the mode and the state call for one. Returns its summary and,
    /// without a state, the `--start` the stream must use (with a state, the finished snapshot saved it).
    static func beforeRun(
        mode text: String, chunkSize: Int, url: SourceURL, connection: ConnectionOptions, sinkOptions: SinkOptions,
        selection: SelectionOptions, keeper: StateKeeper?, operations: OperationsOptions? = nil,
        log: @escaping (String) -> Void
    ) throws(CDCError) -> (summary: SnapshotRunner.Summary?, start: String?) {
        guard let mode = Mode(rawValue: text) else {
            throw CDCError(.usage, "--snapshot \(text): use never, initial or only")
        }
        guard mode != .never else { return (nil, nil) }
        guard chunkSize >= 1 && chunkSize <= 10_000_000 else {
            throw CDCError(.usage, "--snapshot-chunk-size must be 1 to 10000000 rows")
        }
        var settings = SnapshotRunner.Settings()
        settings.chunkSize = chunkSize
        settings.filter = selection.tableFilter
        settings.columnFilter = selection.columnFilter
        settings.checkpointInterval = sinkOptions.checkpointInterval
        let summary = try perform(
            url: url, connection: connection, sinkOptions: sinkOptions, settings: settings, keeper: keeper,
            operations: operations, log: log)
        return (summary, summary.map { "\($0.file):\($0.position)" })
    }
}

extension SnapshotStage {
    /// The end-of-run summary of `run --snapshot`: rows per table, duration, and where the stream ended.
    static func report(_ summary: SnapshotRunner.Summary?, final: String?) {
        for line in summary?.lines() ?? ["snapshot: not taken (the state records a finished snapshot)"] {
            ErrorReporter.printStderr(line)
        }
        if let final { ErrorReporter.printStderr("stream: final position \(final)") }
    }
}
