import BinlogDecoder

/// The offline `parse` pipeline: binlog files → events → row changes → JSON Lines records.
///
/// Files are read in the order given. Every complete record before a damaged spot is written (and flushed)
/// before the error is thrown, so a user keeps what could be read.
public final class BinlogParser {
    public struct Options: Sendable {
        /// Applies to the first file: events before it are skipped (the format description is still read).
        public var startPosition: UInt64?
        /// Applies to the last file: reading stops at the first event starting at or after it.
        public var stopPosition: UInt64?
        public var filter = TableFilter()
        /// Columns to leave out or mask (`--exclude-column`, `--mask-column`).
        public var columnFilter = ColumnFilter()
        /// Write one JSON object per event instead of row records.
        public var eventsMode = false
        /// Decode every row but render nothing (the decoder's throughput, for benchmarks).
        public var decodeOnly = false
        public var verifyChecksums = true
        /// Records of the first transaction to skip: a run resumed inside a transaction (`PipelineCheckpoint`)
        /// starts at the transaction's first event and skips the records already delivered.
        public var skipRecords: UInt64 = 0
        /// MySQL GTIDs whose transactions produce no records (`parse --exclude-gtids`, and `run --start gtid:SET`
        /// on MySQL, which starts at the binlog file the set reaches and skips what the set already holds). Their
        /// DDL still moves the schema registry.
        public var excludeGTIDs: GTIDSet?
        /// How often `onCheckpoint` runs (after the sink has flushed everything handed to it).
        public var checkpointInterval: Duration = .seconds(1)
        /// The checkpoint before the first record (the saved one, or where the source starts).
        public var initialCheckpoint: PipelineCheckpoint?
        /// `--transaction-markers`: BEGIN/END marker records around each source transaction, in this encoding.
        public var transactionMarkers: (any TransactionMarkerEncoder)?

        public init() {}
    }

    /// Where in a source transaction the last event left the reader.
    private enum TransactionState {
        /// Between transactions.
        case none
        /// After a GTID event that a BEGIN (or, for a DDL, the statement itself) follows.
        case afterGTID
        /// Inside BEGIN … COMMIT (or a MariaDB GTID that opens a transaction).
        case open
    }

    public let options: Options
    public private(set) var statistics = ParseStatistics()
    private let decompressor: (any Decompressor)?
    private let crc32: (@Sendable (UnsafeRawBufferPointer) -> UInt32)?
    private let sink: any RecordSink
    private let encoder: any RecordEncoder
    /// Events mode writes here (the stream sink's writer).
    private let eventsWriter: OutputWriter?
    /// Called (on this thread) after the sink flushed everything handed to it: the caller saves the position.
    public var onCheckpoint: ((PipelineCheckpoint) throws(CDCError) -> Void)?
    /// The last checkpoint passed to `onCheckpoint`.
    public private(set) var lastCheckpoint: PipelineCheckpoint?
    private var transactionState = TransactionState.none
    /// Per table id: the map the render info was built for, and the info (nil when the filter excludes it).
    private var renderInfos: [UInt64: (map: TableMap, info: TableRenderInfo?)] = [:]
    private var before: [ColumnValue] = []
    private var after: [ColumnValue] = []
    private var gtid: [UInt8]?
    private var gtidText: String?
    /// The current transaction's GTID is in `options.excludeGTIDs`: its rows are not emitted.
    private var excludedTransaction = false
    private var temporalHints = LegacyTemporalHints()
    /// JSON documents of recent rows, to complete partial JSON updates logged with a minimal before image.
    private let jsonDocuments = JSONDocumentCache()
    private var fileNameJSON: [UInt8] = []
    /// What knows more about tables than the binlog says (the schema registry); nil: the binlog alone.
    public var schemaHooks: (any SchemaHooks)?
    /// Renders rows on worker threads (nil in events mode, which writes on this thread).
    private var pool: RowRenderPool?
    private var fileName = ""

    /// Records go to `sink`, encoded by `encoder`.
    public init(
        options: Options, sink: any RecordSink, encoder: any RecordEncoder = JSONRecordEncoder(),
        decompressor: (any Decompressor)?, crc32: (@Sendable (UnsafeRawBufferPointer) -> UInt32)? = nil
    ) {
        self.options = options
        self.sink = sink
        self.encoder = encoder
        self.eventsWriter = (sink as? StreamSink)?.writer
        self.decompressor = decompressor
        self.crc32 = crc32
    }

    /// JSON Lines records (or events) to `output`.
    public convenience init(
        options: Options, output: OutputWriter, decompressor: (any Decompressor)?,
        crc32: (@Sendable (UnsafeRawBufferPointer) -> UInt32)? = nil
    ) {
        self.init(
            options: options, sink: StreamSink(writer: output, separator: [10]), decompressor: decompressor,
            crc32: crc32)
    }

    /// Parses `paths` in order. Throws `CDCError` (with file and offset) at the first damage.
    public func run(paths: [String]) throws(CDCError) {
        try run(
            source: BinlogFilesSource(
                paths: paths, startPosition: options.startPosition, stopPosition: options.stopPosition))
    }

    /// Parses the events of `source` until it ends. Every record before a damaged event is written (and
    /// flushed) before the error is thrown.
    public func run(source: any BinlogEventSource) throws(CDCError) {
        let clock = ContinuousClock()
        let started = clock.now
        defer {
            let elapsed = clock.now - started
            statistics.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        defer { collectRowCounts() }
        if options.eventsMode && eventsWriter == nil {
            throw CDCError(.usage, "events mode writes to a stream (stdout or a file), not to \(sink.description)")
        }
        let pool =
            options.eventsMode
            ? nil
            : RowRenderPool(
                sink: sink, encoder: encoder, decodeOnly: options.decodeOnly, workers: 2,
                skipRecords: options.skipRecords, initial: options.initialCheckpoint ?? PipelineCheckpoint(),
                markers: options.transactionMarkers)
        self.pool = pool
        defer {
            statistics.records = pool?.records ?? statistics.records
            self.pool = nil
        }
        var lastCheckpoint = clock.now
        do {
            var decoder = newDecoder()
            var currentFile: String?
            // Before the source waits for the server: everything rendered reaches the sink and is pushed on its
            // way, so records are delivered as they are committed; a checkpoint (flush: fsync, acks) only when one
            // is due, so a busy stream that waits often does not wait for durability each time. The first wait
            // always checkpoints: a run that starts on an idle server saves its start position at once.
            var waited = false
            let deliver: () throws(CDCError) -> Void = { () throws(CDCError) in
                defer { waited = true }
                if waited, self.onCheckpoint != nil, clock.now - lastCheckpoint < self.options.checkpointInterval {
                    try self.pool?.drain()
                    try self.sink.push()
                } else {
                    try self.checkpoint()
                    lastCheckpoint = clock.now
                }
            }
            while let next = try source.nextEvent(beforeWaiting: deliver) {
                if next.file != currentFile {
                    // Records carry their file's name: finish the previous file's before the next starts.
                    try pool?.drain()
                    startFile(next.file)
                    decoder = newDecoder()
                    currentFile = next.file
                }
                try handle(next, decoder: &decoder)
                try eventsWriter?.flushIfFull()
                if onCheckpoint != nil, clock.now - lastCheckpoint >= options.checkpointInterval {
                    try checkpoint()
                    lastCheckpoint = clock.now
                }
            }
            try checkpoint()
        } catch {
            // Hand over everything decoded before the damage (an earlier error in a batch wins); no checkpoint.
            do {
                try pool?.drain()
            } catch let earlier {
                try? sink.flush()
                throw earlier
            }
            try? sink.flush()
            throw error
        }
    }

    /// Hands every rendered record to the sink, flushes it, and reports the checkpoint.
    private func checkpoint() throws(CDCError) {
        try pool?.drain()
        try sink.flush()
        guard let pool, let onCheckpoint else { return }
        let checkpoint = pool.checkpoint
        try onCheckpoint(checkpoint)
        lastCheckpoint = checkpoint
    }

    private func newDecoder() -> EventDecoder {
        var decoder = EventDecoder(
            decompressor: decompressor, verifyChecksums: options.verifyChecksums,
            maxEventSize: EventDecoder.defaultMaxEventSize, crc32: crc32)
        // Rows events are checked by the render workers, off this thread (records mode and decode-only).
        decoder.deferRowsChecksum = !options.eventsMode
        return decoder
    }

    private func startFile(_ name: String) {
        statistics.files += 1
        // A new binlog starts between transactions: resuming there loses nothing, so the checkpoint follows the
        // server into it even when no transaction follows (an idle server rotating its binlogs).
        if !fileName.isEmpty, name != fileName {
            pool?.mark(.commit(next: SchemaPosition(file: name, offset: 4), gtid: nil, timestamp: 0))
        }
        fileName = name
        var escaped = OutputBuffer(capacity: 256)
        JSONString.append(name, into: &escaped)
        fileNameJSON = Array(escaped.array.dropFirst().dropLast())
        for (_, cached) in renderInfos { retire(cached.info) }
        renderInfos.removeAll(keepingCapacity: true)
        gtid = nil
        gtidText = nil
        transactionState = .none
    }

    private func handle(_ next: SourceEvent, decoder: inout EventDecoder) throws(CDCError) {
        let event: BinlogEvent
        do {
            event = try decoder.decode(next.bytes, offset: next.offset)
        } catch {
            throw CDCError.decode(error, file: next.label)
        }
        try handle(
            event, bytes: next.bytes, decoder: &decoder, path: next.label, end: next.offset + UInt64(next.bytes.count))
        if case .transactionPayload(let payload) = event.body {
            try handlePayload(payload, outer: event, bytes: next.bytes, decoder: &decoder, path: next.label)
        }
    }

    private func handlePayload(
        _ payload: TransactionPayloadHeader, outer: BinlogEvent, bytes: [UInt8],
        decoder: inout EventDecoder, path: String
    ) throws(CDCError) {
        do {
            var inner = try decoder.payloadEvents(payload, in: bytes)
            var rowBase = 0
            while let innerBytes = try inner.next() {
                let event = try decoder.decode(innerBytes, offset: outer.offset, inPayload: true)
                rowBase += try handle(
                    event, bytes: innerBytes, decoder: &decoder, path: path, rowBase: rowBase,
                    end: outer.offset + UInt64(bytes.count))
                try eventsWriter?.flushIfFull()
            }
        } catch let error as DecodeError {
            throw CDCError.decode(error.at(offset: outer.offset, eventType: outer.header.type.rawValue), file: path)
        } catch let error as CDCError {
            throw error
        } catch {
            throw CDCError(.decode, "\(error)", file: path)
        }
    }

    /// Handles one event; returns the number of rows it carried.
    @discardableResult
    private func handle(
        _ event: BinlogEvent, bytes: [UInt8], decoder: inout EventDecoder, path: String,
        rowBase: Int = 0, end: UInt64
    ) throws(CDCError) -> Int {
        statistics.events += 1
        if !event.inPayload { statistics.bytes += UInt64(bytes.count) }
        statistics.eventCounts[Int(event.header.type.rawValue)] += 1
        var rows = 0
        switch event.body {
        case .mysqlGTID(let gtidEvent):
            gtid = gtidEvent.gtid.map { Array($0.description.utf8) }
            gtidText = gtidEvent.gtid.map(\.description)
            excludedTransaction = gtidEvent.gtid.map { options.excludeGTIDs?.contains($0) ?? false } ?? false
            beginTransaction(at: event, state: .afterGTID)
        case .mariaGTID(let gtidEvent):
            gtid = Array(gtidEvent.gtid.description.utf8)
            gtidText = gtidEvent.gtid.description
            excludedTransaction = false
            beginTransaction(at: event, state: gtidEvent.isStandalone ? .afterGTID : .open)
        case .query(let query):
            temporalHints.observe(query: query.query, defaultDatabase: query.database)
            try schemaHooks?.observe(query, file: fileName, offset: event.offset)
            if query.query == "BEGIN" {
                if transactionState == .none { beginTransaction(at: event, state: .open) }
                transactionState = .open
            } else if transactionState != .open || query.query == "COMMIT" || query.query == "ROLLBACK" {
                // A statement outside BEGIN … COMMIT (DDL) is a transaction of its own.
                endTransaction(next: end, timestamp: event.header.timestamp)
            }
        case .xid:
            endTransaction(next: end, timestamp: event.header.timestamp)
        case .mariaBinlogCheckpoint, .mariaGTIDList:
            // Written between transactions; MariaDB writes a binlog checkpoint asynchronously, so it can follow the
            // newest transaction of a file. Resuming after it loses nothing: the checkpoint follows the server past
            // it (as past a rotation), instead of staying one event behind until the next transaction.
            if transactionState == .none && !event.inPayload {
                pool?.mark(
                    .commit(
                        next: SchemaPosition(file: fileName, offset: end), gtid: nil, timestamp: event.header.timestamp)
                )
            }
        case .tableMap(var map):
            if transactionState == .none {
                // Old servers write no BEGIN before row events: the table map opens the transaction.
                beginTransaction(at: event, state: .open)
            }
            transactionState = .open
            if let hinted = temporalHints.apply(to: map) {
                map = hinted
                decoder.updateTableMap(map)
            }
            // Tables the filter excludes are never looked up: their schema cannot stop the pipeline.
            if options.filter.accepts(database: map.database, table: map.table),
                let resolved = try schemaHooks?.resolve(map, file: fileName, offset: event.offset), resolved != map
            {
                map = resolved
                decoder.updateTableMap(map)
            }
            if let cached = renderInfos[map.tableID] {
                if cached.map == map { break }
                retire(cached.info)
            }
            let info =
                options.filter.accepts(database: map.database, table: map.table) ? try makeInfo(map) : nil
            renderInfos[map.tableID] = (map, info)
        case .rows where excludedTransaction:
            break
        case .rows(let rowsEvent):
            if let pool {
                rows = try emitRows(rowsEvent, event: event, decoder: decoder, path: path, rowBase: rowBase, pool: pool)
            } else {
                rows = countRows(rowsEvent, decoder: decoder)
            }
        default:
            break
        }
        if options.eventsMode, let eventsWriter {
            EventJSONRenderer.append(event, bytes: bytes, file: fileNameJSON, rows: rows, into: &eventsWriter.buffer)
        }
        switch event.body {
        case .xid:
            gtid = nil
        case .query(let query) where query.query == "COMMIT" || query.query == "ROLLBACK":
            gtid = nil
        default:
            break
        }
        return rows
    }

    private func beginTransaction(at event: BinlogEvent, state: TransactionState) {
        transactionState = state
        pool?.mark(
            .begin(
                SchemaPosition(file: fileName, offset: event.offset), gtid: gtidText, timestamp: event.header.timestamp)
        )
    }

    private func endTransaction(next: UInt64, timestamp: UInt32) {
        transactionState = .none
        excludedTransaction = false
        pool?.mark(.commit(next: SchemaPosition(file: fileName, offset: next), gtid: gtidText, timestamp: timestamp))
        gtidText = nil
    }

    private func countRows(_ rowsEvent: RowsEvent, decoder: EventDecoder) -> Int {
        guard let map = decoder.tableMap(for: rowsEvent.tableID),
            var cursor = try? RowCursor(event: rowsEvent, columns: map.columns, isMariaDB: decoder.format.isMariaDB)
        else { return 0 }
        var count = 0
        while (try? cursor.next(before: &before, after: &after)) == true { count += 1 }
        return count
    }

    /// Queues the rows of one event for decoding and rendering. Events whose rendering depends on what came
    /// before (JSON document cache) or whose row count is needed at once (inside a compressed transaction) run
    /// here, in order; the rest run on the render pool. Returns the rows done here (0 when queued).
    private func emitRows(
        _ rowsEvent: RowsEvent, event: BinlogEvent, decoder: EventDecoder, path: String,
        rowBase: Int, pool: RowRenderPool
    ) throws(CDCError) -> Int {
        // Events no job will decode still get their deferred CRC32 checked, here.
        func skip() throws(CDCError) -> Int {
            do {
                try rowsEvent.verifyChecksum(crc32 ?? { CRC32.update(0, $0) })
            } catch {
                throw CDCError.decode(error.at(offset: event.offset, eventType: event.header.type.rawValue), file: path)
            }
            return 0
        }
        // A rows event over no columns (a "dummy" event old servers write to end a statement) carries no row.
        if rowsEvent.columnCount == 0 { return try skip() }
        guard let map = decoder.tableMap(for: rowsEvent.tableID) else {
            throw CDCError.decode(
                DecodeError(
                    .missingContext,
                    "rows event for table id \(rowsEvent.tableID) without its table map: start at the transaction's first event (its GTID or BEGIN)",
                    offset: event.offset, eventType: event.header.type.rawValue), file: path)
        }
        let info: TableRenderInfo
        if let cached = renderInfos[rowsEvent.tableID], cached.map == map {
            guard let included = cached.info else { return try skip() }  // filtered out
            info = included
        } else {
            guard options.filter.accepts(database: map.database, table: map.table) else { return try skip() }
            info = try makeInfo(map)
            retiredInfos.append(info)
        }
        let operation: RecordRenderer.Operation
        switch rowsEvent.kind {
        case .write: operation = .insert
        case .update: operation = .update
        case .delete: operation = .delete
        }
        var job = RowsJob(
            event: rowsEvent, info: info, operation: operation, isMariaDB: decoder.format.isMariaDB,
            source: RecordRenderer.Source(
                serverID: event.header.serverID, file: fileNameJSON, position: event.offset,
                row: rowBase, gtid: gtid, timestamp: event.header.timestamp),
            origin: RecordBatch.Origin(file: fileName, gtid: gtidText),
            offset: event.offset, eventType: event.header.type.rawValue, path: path,
            crc32: crc32 ?? { CRC32.update(0, $0) })
        let inOrder = event.inPayload || (info.hasJSONColumns && !options.decodeOnly)
        guard inOrder else {
            try pool.add(job)
            return 0
        }
        var out = RenderedRecords(capacity: 4096)
        let failure = job.run(
            into: &out, before: &before, after: &after, decodeOnly: options.decodeOnly,
            documents: options.decodeOnly ? nil : jsonDocuments, info: info, encoder: encoder,
            keys: sink.wantsKeys, table: 0, origin: 0)
        let count = out.rows
        job.prerendered = PrerenderedRecords(
            values: out.values.moveToArray(), keys: out.keys.moveToArray(), records: out.records, rows: out.rows)
        try pool.add(job)
        if let failure {
            try pool.drain()
            throw failure
        }
        return count
    }

    /// A table version's render info, prepared for the output format.
    private func makeInfo(_ map: TableMap) throws(CDCError) -> TableRenderInfo {
        let info = TableRenderInfo(map: map)
        info.columnActions = options.columnFilter.actions(for: info)
        try encoder.prepare(info)
        return info
    }

    /// Render infos are rebuilt per file and when a table changes: their counts are folded in before that.
    private var retiredInfos: [TableRenderInfo] = []

    private func retire(_ info: TableRenderInfo?) {
        if let info, info.rowCounts.contains(where: { $0 > 0 }) { retiredInfos.append(info) }
    }

    private func collectRowCounts() {
        for (_, cached) in renderInfos { retire(cached.info) }
        renderInfos.removeAll()
        for info in retiredInfos {
            let name = "\(info.map.database).\(info.map.table)"
            for (index, op) in ["insert", "update", "delete"].enumerated() where info.rowCounts[index] > 0 {
                statistics.rowsByTable[name, default: [:]][op, default: 0] += info.rowCounts[index]
            }
        }
        retiredInfos.removeAll()
    }

}
