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
        /// Write one JSON object per event instead of row records.
        public var eventsMode = false
        public var verifyChecksums = true

        public init() {}
    }

    public let options: Options
    public private(set) var statistics = ParseStatistics()
    private let decompressor: (any Decompressor)?
    private let output: OutputWriter
    private let renderer = RecordRenderer()
    private var renderInfos: [UInt64: TableRenderInfo?] = [:]
    private var before: [ColumnValue] = []
    private var after: [ColumnValue] = []
    private var gtid: [UInt8]?
    private var temporalHints = LegacyTemporalHints()
    private var fileNameJSON: [UInt8] = []
    private var fileName = ""

    public init(options: Options, output: OutputWriter, decompressor: (any Decompressor)?) {
        self.options = options
        self.output = output
        self.decompressor = decompressor
    }

    /// Parses `paths` in order. Throws `CDCError` (with file and offset) at the first damage.
    public func run(paths: [String]) throws(CDCError) {
        let clock = ContinuousClock()
        let started = clock.now
        defer {
            let elapsed = clock.now - started
            statistics.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        for (index, path) in paths.enumerated() {
            do {
                try parseFile(path, first: index == 0, last: index == paths.count - 1)
            } catch {
                try? output.flush()
                throw error
            }
        }
        try output.flush()
    }

    private func parseFile(_ path: String, first: Bool, last: Bool) throws(CDCError) {
        let reader = try BinlogFileReader(path: path)
        statistics.files += 1
        fileName = Self.baseName(path)
        fileNameJSON = []
        JSONString.append(fileName, into: &fileNameJSON)
        fileNameJSON = Array(fileNameJSON.dropFirst().dropLast())
        var decoder = EventDecoder(decompressor: decompressor, verifyChecksums: options.verifyChecksums,
                                   maxEventSize: reader.maxEventSize)
        renderInfos.removeAll(keepingCapacity: true)
        gtid = nil
        let start = first ? options.startPosition : nil
        let stop = last ? options.stopPosition : nil
        var sawFormat = false
        while let (bytes, offset) = try reader.next() {
            if let stop, offset >= stop { break }
            let event: BinlogEvent
            do {
                event = try decoder.decode(bytes, offset: offset)
            } catch {
                throw CDCError.decode(error, file: path)
            }
            if case .formatDescription = event.body, !sawFormat {
                sawFormat = true
                if let start, start > reader.offset {
                    reader.seek(to: start)
                }
            }
            try handle(event, bytes: bytes, decoder: &decoder, path: path)
            if case .transactionPayload(let payload) = event.body {
                try handlePayload(payload, outer: event, bytes: bytes, decoder: &decoder, path: path)
            }
            try output.flushIfFull()
        }
    }

    private func handlePayload(_ payload: TransactionPayloadHeader, outer: BinlogEvent, bytes: [UInt8],
                               decoder: inout EventDecoder, path: String) throws(CDCError) {
        do {
            var inner = try decoder.payloadEvents(payload, in: bytes)
            var rowBase = 0
            while let innerBytes = try inner.next() {
                let event = try decoder.decode(innerBytes, offset: outer.offset, inPayload: true)
                rowBase += try handle(event, bytes: innerBytes, decoder: &decoder, path: path, rowBase: rowBase)
                try output.flushIfFull()
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
    private func handle(_ event: BinlogEvent, bytes: [UInt8], decoder: inout EventDecoder, path: String,
                        rowBase: Int = 0) throws(CDCError) -> Int {
        statistics.events += 1
        if !event.inPayload { statistics.bytes += UInt64(bytes.count) }
        statistics.eventsByType[event.header.type.name, default: 0] += 1
        var rows = 0
        switch event.body {
        case .mysqlGTID(let gtidEvent):
            gtid = gtidEvent.gtid.map { Array($0.description.utf8) }
        case .mariaGTID(let gtidEvent):
            gtid = Array(gtidEvent.gtid.description.utf8)
        case .query(let query):
            temporalHints.observe(query: query.query, defaultDatabase: query.database)
        case .tableMap(var map):
            if let hinted = temporalHints.apply(to: map) {
                map = hinted
                decoder.updateTableMap(map)
            }
            renderInfos[map.tableID] = options.filter.accepts(database: map.database, table: map.table)
                ? TableRenderInfo(map: map) : .some(nil)
        case .rows(let rowsEvent):
            if !options.eventsMode {
                rows = try emitRows(rowsEvent, event: event, decoder: decoder, path: path, rowBase: rowBase)
            } else {
                rows = countRows(rowsEvent, decoder: decoder)
            }
        default:
            break
        }
        if options.eventsMode {
            EventJSONRenderer.append(event, file: fileNameJSON, rows: rows, into: &output.buffer)
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

    private func countRows(_ rowsEvent: RowsEvent, decoder: EventDecoder) -> Int {
        guard let map = decoder.tableMap(for: rowsEvent.tableID),
              var cursor = try? RowCursor(event: rowsEvent, columns: map.columns, isMariaDB: decoder.format.isMariaDB)
        else { return 0 }
        var count = 0
        while (try? cursor.next(before: &before, after: &after)) == true { count += 1 }
        return count
    }

    private func emitRows(_ rowsEvent: RowsEvent, event: BinlogEvent, decoder: EventDecoder, path: String,
                          rowBase: Int) throws(CDCError) -> Int {
        // A rows event over no columns (a "dummy" event old servers write to end a statement) carries no row.
        if rowsEvent.columnCount == 0 { return 0 }
        guard let map = decoder.tableMap(for: rowsEvent.tableID) else {
            throw CDCError.decode(DecodeError(
                .missingContext,
                "rows event for table id \(rowsEvent.tableID) without its table map: start at the transaction's first event (its GTID or BEGIN)",
                offset: event.offset, eventType: event.header.type.rawValue), file: path)
        }
        let cached = renderInfos[rowsEvent.tableID] ?? TableRenderInfo(map: map)
        guard let info = cached else { return 0 }  // filtered out
        let operation: RecordRenderer.Operation
        let opName: String
        switch rowsEvent.kind {
        case .write: (operation, opName) = (.insert, "insert")
        case .update: (operation, opName) = (.update, "update")
        case .delete: (operation, opName) = (.delete, "delete")
        }
        var count = 0
        do {
            var cursor = try RowCursor(event: rowsEvent, columns: info.map.columns, isMariaDB: decoder.format.isMariaDB)
            var source = RecordRenderer.Source(
                serverID: event.header.serverID, file: fileNameJSON, position: event.offset, row: rowBase,
                gtid: gtid, timestamp: event.header.timestamp)
            while try cursor.next(before: &before, after: &after) {
                source.row = rowBase + count
                try renderer.append(operation, table: info,
                                    before: rowsEvent.kind == .write ? nil : before,
                                    after: rowsEvent.kind == .delete ? nil : after,
                                    bytes: rowsEvent.bytes, source: source, into: &output.buffer)
                count += 1
                statistics.records += 1
            }
        } catch {
            throw CDCError.decode(error.at(offset: event.offset, eventType: event.header.type.rawValue), file: path)
        }
        statistics.rowsByTable["\(map.database).\(map.table)", default: [:]][opName, default: 0] += count
        return count
    }

    static func baseName(_ path: String) -> String {
        if let slash = path.lastIndex(of: "/") { return String(path[path.index(after: slash)...]) }
        return path
    }
}
