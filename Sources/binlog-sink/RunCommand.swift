import ArgumentParser
import BinlogCompression
import CDCCore
import MySQLSource

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Follow a running MySQL/MariaDB server's binlog as a replica and write change records.",
        discussion: """
            Records (docs/record-format.md) go to the sink (--sink: stdout, file:DIR, kafka://…, redis://…). With \
            --state DIR the position and schema history are checkpointed there every --checkpoint-interval after \
            the sink acknowledged everything before it, and a later run resumes from the checkpoint (--start only \
            applies to a state without a saved position): delivery is at-least-once. \
            The password comes from MYSQL_PWD or --password-file \
            (a password in the --source URL works but shows in ps: avoid it). The stream registers with \
            --server-id (default 1000000000 + the process id: give a fixed id unique among the server's replicas \
            for long-running use). A lost connection is re-established with backoff and the stream resumes with \
            no gap and no duplicate. --until now stops at the server's end position as of the start and exits 0. \
            SIGTERM/SIGINT stop gracefully: flush, save, exit 0 (docs/operations.md: exit codes, logs, metrics).
            """
    )

    @OptionGroup var configFile: ConfigFileOption

    @OptionGroup var connection: SourceConnectionOptions

    @OptionGroup var sinkOptions: SinkOptions

    @Option(help: "State directory: the saved position and schema history (none: nothing is saved).")
    var state: String?

    @Option(
        help:
            "Where to start when no position is saved: earliest, latest, FILE:POS or gtid:SET (MariaDB GTID position, or the MySQL GTID set already received)."
    )
    var start: String = "latest"

    @Option(help: "Where to stop: never, now (the server's end position at start) or FILE:POS.")
    var until: String = "never"

    @Option(help: "The replica server id to register with (default 1000000000 + the process id).")
    var serverId: UInt32?

    @Option(help: "Seconds between heartbeats from an idle server (0 disables).")
    var heartbeat: Double = 5

    @Option(help: "Seconds to keep reconnecting after a lost connection before giving up.")
    var reconnectTimeout: Double = 600

    @Option(
        help:
            "Snapshot the tables first (docs/snapshot.md): never, initial (once per state, then stream from its position) or only (snapshot, then exit)."
    )
    var snapshot: String = "never"

    @Option(help: "Rows per primary-key chunk of the snapshot.")
    var snapshotChunkSize: Int = 10_000

    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Print a summary to stderr at the end.")
    var stats = false

    @OptionGroup(title: "Operating") var operations: OperationsOptions

    func validate() throws {
        if serverId == 0 { throw ValidationError("--server-id must not be 0 (the server refuses replicas with id 0)") }
        if heartbeat < 0 || heartbeat > 4_294_967 { throw ValidationError("--heartbeat must be 0 to 4294967 seconds") }
    }

    func run() throws {
        var failure: CDCError?
        var parserStats: ParseStatistics?
        var snapshotSummary: SnapshotRunner.Summary?
        var finalPosition: String?
        let log: (String) -> Void = { Logger.info($0) }
        var runOperations: RunOperations?
        defer { runOperations?.finish() }
        do throws(CDCError) {
            let operating = try RunOperations(options: operations)
            runOperations = operating
            let (url, connectionOptions) = try connection.resolve()
            let filter = selection.tableFilter
            let keeper = try state.map { directory throws(CDCError) in
                try StateKeeper(directory: directory, filter: filter)
            }
            let taken = try SnapshotStage.beforeRun(
                mode: snapshot, chunkSize: snapshotChunkSize, url: url, connection: connectionOptions,
                sinkOptions: sinkOptions, selection: selection, keeper: keeper, operations: operations, log: log)
            snapshotSummary = taken.summary
            if snapshot == "only" { return SnapshotStage.report(snapshotSummary, final: nil) }
            let saved = try keeper?.loadPosition()
            var options = ReplicationOptions()
            var parserOptions = BinlogParser.Options()
            do throws(MySQLSourceError) {
                options.start = try StartPosition(parsing: taken.start ?? start)
                options.until = try UntilPosition(parsing: until)
            } catch {
                throw CDCError(.usage, error.description)
            }
            var initial: PipelineCheckpoint?
            if let saved {
                if let open = saved.transaction {
                    options.start = .position(file: open.start.file, offset: open.start.offset)
                    if sinkOptions.kafkaTransactions {
                        // With Kafka transactions the sink's committed checkpoint says what to skip (KafkaCheckpoint).
                        parserOptions.skipRecords = 0
                    } else if open.filter == filter.description {
                        parserOptions.skipRecords = open.recordsDelivered
                    } else {
                        log(
                            "the saved checkpoint inside a transaction counted its records under another table filter "
                                + "(\(open.filter ?? "unknown")): that transaction is delivered again whole")
                    }
                } else if let binlog = saved.binlog {
                    options.start = .position(file: binlog.file, offset: binlog.offset)
                } else if let gtid = saved.gtidSet {
                    options.start = .gtid(gtid)
                }
                initial = PipelineCheckpoint(
                    next: saved.binlog.map { SchemaPosition(file: $0.file, offset: $0.offset) },
                    transaction: saved.transaction.map {
                        PipelineCheckpoint.OpenTransaction(
                            start: SchemaPosition(file: $0.start.file, offset: $0.start.offset),
                            records: $0.recordsDelivered)
                    })
                log(
                    "resuming from the saved position \(options.start)"
                        + (parserOptions.skipRecords > 0
                            ? " (skipping the \(parserOptions.skipRecords) records of that transaction already delivered)"
                            : ""))
                if let state {
                    try SavedBinlogCheck.require(saved, state: state, url: url, connection: connectionOptions)
                }
            }
            if let serverId { options.serverID = serverId }
            options.heartbeatSeconds = heartbeat
            options.reconnectGiveUpSeconds = reconnectTimeout
            // Catching up: one pass over the query events up to the server's end first, so the registry knows
            // which tables change ahead (DDLLookahead). Sequential, so the same server id serves both streams.
            var lookahead: DDLLookahead?
            if options.start != .latest {
                var scanOptions = options
                scanOptions.until = .now
                let scan = try ReplicationStream(url: url, connection: connectionOptions, options: scanOptions)
                scan.log = log
                operating.stoppable(scan)
                lookahead = try DDLLookahead.scan(
                    scan, decompressor: SystemDecompressor(), crc32: SystemDecompressor.crc32)
            }
            let stream = try ReplicationStream(url: url, connection: connectionOptions, options: options)
            stream.log = log
            if initial == nil, !stream.file.isEmpty {
                // Nothing saved yet: until the first transaction is delivered, a restart starts where this run did.
                initial = PipelineCheckpoint(next: SchemaPosition(file: stream.file, offset: stream.nextPosition))
            }
            if let excluded = stream.excludeGTIDs {
                // MySQL --start gtid:SET: from the newest binlog the set covers, skipping what the set holds.
                parserOptions.excludeGTIDs = excluded
                log("gtid:\(excluded) starts at \(stream.file):4; its transactions there are skipped")
            }
            parserOptions.filter = filter
            parserOptions.columnFilter = selection.columnFilter
            parserOptions.checkpointInterval = .milliseconds(Int64(sinkOptions.checkpointInterval * 1000))
            parserOptions.initialCheckpoint = initial
            let loader = try InformationSchemaLoader(url: url, options: connectionOptions)
            let sourceServerID = try loader.sourceServerID()
            if let state, let savedID = saved?.serverID, let sourceServerID, savedID != sourceServerID {
                throw CDCError(
                    .state,
                    "\(state): the saved position was read from the server with server_id \(savedID), but "
                        + "\(url.endpoint) has server_id \(sourceServerID): its binlog positions mean something else. "
                        + "Use a new --state directory (with --start FILE:POS) for this server")
            }
            let format = try FormatFactory.make(
                sinkOptions, name: url.endpoint, mariadb: loader.isMariaDB, saved: try keeper?.loadAvroSchemas() ?? [],
                log: { ErrorReporter.printStderr("binlog-sink: \($0)") })
            var encoder = format.encoder
            parserOptions.transactionMarkers = format.markers
            if let schemas = format.schemas {
                guard let keeper else {
                    throw CDCError(
                        .usage,
                        "--format avro needs --state DIR: schema ids must be saved so consumers can always decode")
                }
                encoder = PersistingEncoder(inner: encoder, schemas: schemas, keeper: keeper)
            }
            // --registry-listen: the embedded registry's read API for consumers, until the run ends.
            var registryServer: RegistryServer?
            defer { registryServer?.stop() }
            if let listen = sinkOptions.registryListen {
                guard let catalog = format.catalog else {
                    throw CDCError(.usage, "--registry-listen serves the Avro schemas: it needs --format avro")
                }
                registryServer = try RegistryServer.start(
                    listen: listen, catalog: catalog, writable: sinkOptions.registryWritable, keeper: keeper, log: log)
            }
            let sink = operating.wrap(
                try SinkFactory.make(SinkFactory.Context(options: sinkOptions, encoder: encoder, log: log)))
            // Records are handed to the sink before the stream waits for the server
            // (BinlogEventSource.nextEvent(beforeWaiting:)): they are delivered as they are committed.
            let parser = BinlogParser(
                options: parserOptions, sink: sink, encoder: encoder, decompressor: SystemDecompressor(),
                crc32: SystemDecompressor.crc32)
            // The schema registry: DDL in the stream moves tables to new versions; tables are first read from
            // information_schema (on a second connection), so names and exact types come out even when the
            // server does not write column metadata, and every table map is checked before its rows are decoded.
            let registry =
                try keeper?.loadRegistry(mariadb: loader.isMariaDB) ?? SchemaRegistry(mariadb: loader.isMariaDB)
            let hooks = RegistryHooks(
                registry: registry, loader: loader,
                warn: { Logger.warn($0) })
            hooks.lookahead = lookahead
            parser.schemaHooks = hooks
            if let keeper {
                let kafkaTransactions = sinkOptions.kafkaTransactions
                parser.onCheckpoint = { checkpoint throws(CDCError) in
                    var checkpoint = checkpoint
                    // Kafka transactions hold an unfinished source transaction back: none of it is delivered yet.
                    if kafkaTransactions { checkpoint.transaction?.records = 0 }
                    try keeper.save(checkpoint, registry: hooks.registry, serverID: sourceServerID)
                    operating.checkpointed(checkpoint)
                }
            }
            defer { parserStats = parser.statistics }
            try parser.run(
                source: operating.wrap(
                    stream, url: url, connection: connectionOptions, oneShot: options.until != .never))
            try sink.close()
            finalPosition = "\(stream.file):\(stream.nextPosition)"
            if ShutdownSignal.shared.requested {
                let saved = parser.lastCheckpoint?.resumePosition.map { " at \($0.file):\($0.offset)" } ?? ""
                log(
                    "stopped by \(ShutdownSignal.shared.signalName): the sink is flushed"
                        + (keeper == nil ? "" : ", the position saved\(saved)"))
            }
        } catch {
            failure = error
        }
        if stats, let parserStats { Logger.summary(parserStats.summary()) }
        if failure == nil, snapshot != "never" { SnapshotStage.report(snapshotSummary, final: finalPosition) }
        if let failure { throw ErrorReporter.exit(for: failure) }
    }
}
