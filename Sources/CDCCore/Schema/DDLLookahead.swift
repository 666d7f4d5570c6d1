import BinlogDecoder

/// Where the binlog ahead of the reader changes each table's schema: the positions of the DDL statements between
/// the start of a run and the server's end when it started, read in a first pass over the query events only.
///
/// Why: a table the registry first meets while catching up is read from information_schema, which shows the table
/// as it is now. That schema is right for the rows ahead only when no DDL on the table lies between those rows
/// and now. With this look-ahead the registry knows when it is not, and then uses the binlog's own column
/// metadata or stops with a clear error instead of naming columns wrongly.
public struct DDLLookahead: Sendable {
    /// DDL positions per table, ascending.
    private var positions: [TableName: [SchemaPosition]] = [:]
    /// DROP DATABASE positions per database.
    private var databases: [String: [SchemaPosition]] = [:]
    /// How far the scan read: DDL after this is not known.
    public private(set) var end: SchemaPosition?

    public init() {}

    /// Records the tables one DDL statement at `position` changes.
    public mutating func observe(_ query: String, defaultDatabase: String, at position: SchemaPosition) {
        for change in DDLParser.parse(query, defaultDatabase: defaultDatabase) {
            switch change {
            case .create(let schema): positions[schema.name, default: []].append(position)
            case .createLike(_, let target): positions[target, default: []].append(position)
            case .alter(let table, _), .drop(let table): positions[table, default: []].append(position)
            case .rename(let from, let to):
                positions[from, default: []].append(position)
                positions[to, default: []].append(position)
            case .unparsed(let table?, _): positions[table, default: []].append(position)
            case .dropDatabase(let database): databases[database, default: []].append(position)
            case .truncate, .databaseDefaults, .unparsed(nil, _): break
            }
        }
    }

    /// The first DDL on `table` after `position`, if the scan saw one.
    public func firstChange(of table: TableName, after position: SchemaPosition) -> SchemaPosition? {
        let tablePositions = positions[table]?.first { $0 > position }
        let databasePositions = databases[table.database]?.first { $0 > position }
        switch (tablePositions, databasePositions) {
        case (let a?, let b?): return min(a, b)
        case (let a, let b): return a ?? b
        }
    }

    /// Reads every event of `source` (until it ends), decoding only format descriptions and query events.
    public static func scan(
        _ source: any BinlogEventSource, decompressor: (any Decompressor)?,
        crc32: (@Sendable (UnsafeRawBufferPointer) -> UInt32)?
    ) throws(CDCError) -> DDLLookahead {
        var lookahead = DDLLookahead()
        try forEachQuery(source, decompressor: decompressor, crc32: crc32) { (query, position) throws(CDCError) in
            lookahead.observe(query.query, defaultDatabase: query.database, at: position)
        } passing: { end in
            lookahead.end = end
        }
        return lookahead
    }

    /// Calls `body` with every query event of `source` (until it ends) and where it starts, decoding nothing else
    /// but format descriptions; `passing` sees the end of every event.
    public static func forEachQuery(
        _ source: any BinlogEventSource, decompressor: (any Decompressor)?,
        crc32: (@Sendable (UnsafeRawBufferPointer) -> UInt32)?,
        _ body: (QueryEvent, SchemaPosition) throws(CDCError) -> Void,
        passing: (SchemaPosition) -> Void = { _ in }
    ) throws(CDCError) {
        var decoder = EventDecoder(decompressor: decompressor, crc32: crc32)
        var file = ""
        let kinds = [EventType.query, .mariaQueryCompressed, .formatDescription].map(\.rawValue)
        while let next = try source.nextEvent() {
            if next.file != file {
                file = next.file
                decoder = EventDecoder(decompressor: decompressor, crc32: crc32)
            }
            passing(SchemaPosition(file: next.file, offset: next.offset + UInt64(next.bytes.count)))
            guard next.bytes.count > 4, kinds.contains(next.bytes[4]) else { continue }
            let event: BinlogEvent
            do {
                event = try decoder.decode(next.bytes, offset: next.offset)
            } catch {
                throw CDCError.decode(error, file: next.label)
            }
            guard case .query(let query) = event.body else { continue }
            try body(query, SchemaPosition(file: next.file, offset: next.offset))
        }
    }
}
