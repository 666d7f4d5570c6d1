import BinlogDecoder

/// The parser's `SchemaHooks` backed by a `SchemaRegistry`: DDL in query events moves tables to new versions at
/// their position; table maps are checked against the version in force and completed from it (names, signedness,
/// charsets, labels, primary key, precision), so binlogs without column metadata render with names and exact types.
///
/// A table the registry does not know is read from the loader (information_schema) when there is one; a DDL it
/// cannot parse makes it re-read the table and warn; a table map that disagrees with the registry is re-read once
/// and, if it still disagrees, stops the pipeline with both schemas named — never garbled records.
public final class RegistryHooks: SchemaHooks {
    public private(set) var registry: SchemaRegistry
    let loader: (any SchemaLoader)?
    /// Receives warnings (DDL not understood, tables re-read).
    let warn: (String) -> Void
    /// DDL ahead in the binlog (`DDLLookahead`): when a table first met here changes later, information_schema's
    /// (current) schema does not describe these rows.
    public var lookahead: DDLLookahead?

    public init(registry: SchemaRegistry, loader: (any SchemaLoader)?, warn: @escaping (String) -> Void) {
        self.registry = registry
        self.loader = loader
        self.warn = warn
    }

    public func observe(_ query: QueryEvent, file: String, offset: UInt64) throws(CDCError) {
        let changes = DDLParser.parse(query.query, defaultDatabase: query.database)
        guard !changes.isEmpty else { return }
        let position = SchemaPosition(file: file, offset: offset)
        if let loader {
            // A CREATE TABLE without a character set inherits its database's default, which the binlog only
            // shows when the CREATE DATABASE is in it: ask the server for databases the registry has not seen.
            for change in changes {
                guard case .create(let schema) = change, schema.charset == nil, schema.collation == nil,
                    registry.databaseDefaults[schema.database] == nil,
                    let defaults = try loader.loadDatabaseDefaults(of: schema.database)
                else { continue }
                registry.apply(
                    [
                        .databaseDefaults(
                            database: schema.database, charset: defaults.charset, collation: defaults.collation)
                    ],
                    at: position)
            }
        }
        for problem in registry.apply(changes, at: position) {
            let statement = String(query.query.prefix(200))
            guard let table = problem.table, let loader else {
                warn("at \(position): \(problem) — statement: \(statement)")
                continue
            }
            warn("at \(position): \(problem) — re-reading \(table) from information_schema; statement: \(statement)")
            if let schema = try loader.loadSchema(of: table) {
                registry.record(schema, at: position)
            }
        }
    }

    public func resolve(_ map: TableMap, file: String, offset: UInt64) throws(CDCError) -> TableMap {
        let position = SchemaPosition(file: file, offset: offset)
        switch registry.resolve(map, at: position) {
        case .resolved(let completed):
            return completed
        case .unknown:
            let name = TableName(map.database, map.table)
            if let later = lookahead?.firstChange(of: name, after: position) {
                // information_schema shows the table as it is after that DDL, not as these rows were written.
                return try fromBinlogMetadata(
                    map, position: position,
                    reason: "\(name) is changed by DDL at \(later), after these rows, so its current schema in "
                        + "information_schema does not describe them")
            }
            guard let loader, let schema = try loader.loadSchema(of: name) else {
                return map  // nothing known: the binlog's own metadata (or ordinals) it is
            }
            // First sight of the table: its current schema stands for everything before the next DDL.
            registry.record(schema, at: .start)
            return try resolveAfterReload(map, position: position, previous: nil)
        case .mismatch(let mismatch):
            if Self.hasColumnNames(map) {
                // The binlog's own column metadata is the first source of truth: the registry follows it.
                warn(
                    "at \(position): \(mismatch) — using the binlog's column metadata for \(map.database).\(map.table)")
                return try fromBinlogMetadata(map, position: position, reason: mismatch.description)
            }
            guard let loader, let schema = try loader.loadSchema(of: TableName(map.database, map.table)) else {
                throw mismatchError(map, position: position, mismatch: mismatch, reloaded: nil)
            }
            warn("at \(position): \(mismatch) — re-read \(schema.name) from information_schema")
            registry.record(schema, at: position)
            return try resolveAfterReload(map, position: position, previous: mismatch)
        }
    }

    static func hasColumnNames(_ map: TableMap) -> Bool {
        map.hasOptionalMetadata && !map.columns.isEmpty && map.columns.allSatisfy { $0.name != nil }
    }

    /// The table map's own metadata (binlog_row_metadata=FULL) as the table's version at `position`; without it
    /// the rows cannot be named or typed safely: an error that says why and what to do.
    private func fromBinlogMetadata(_ map: TableMap, position: SchemaPosition, reason: String) throws(CDCError)
        -> TableMap
    {
        guard Self.hasColumnNames(map) else {
            throw CDCError(
                .decode,
                "cannot know the columns of \(map.database).\(map.table) at \(position): \(reason), and the binlog "
                    + "carries no column names (binlog_row_metadata is not FULL). Rows are not decoded with a guessed "
                    + "schema. Start from a position after that DDL, or use a --state that has followed the table since "
                    + "before it; set binlog_row_metadata=FULL on the server so this cannot happen again.")
        }
        registry.record(TableMapSchema.tableSchema(TableRenderInfo(map: map)), at: position)
        return map
    }

    private func resolveAfterReload(_ map: TableMap, position: SchemaPosition, previous: SchemaMismatch?)
        throws(CDCError) -> TableMap
    {
        switch registry.resolve(map, at: position) {
        case .resolved(let completed):
            return completed
        case .unknown:
            return map
        case .mismatch(let mismatch):
            throw mismatchError(map, position: position, mismatch: mismatch, reloaded: previous)
        }
    }

    private func mismatchError(
        _ map: TableMap, position: SchemaPosition, mismatch: SchemaMismatch, reloaded: SchemaMismatch?
    ) -> CDCError {
        let binlogColumns = map.columns.map { $0.type.name }.joined(separator: ", ")
        let registryColumns =
            registry.schema(of: TableName(map.database, map.table), at: position)?.columns
            .map { "\($0.name) \($0.type)" }.joined(separator: ", ") ?? "none"
        return CDCError(
            .decode,
            "schema mismatch for \(map.database).\(map.table) at \(position): \(mismatch). The binlog's table map has "
                + "[\(binlogColumns)]; the registry has [\(registryColumns)]. Rows are not decoded with a schema "
                + "that does not fit: re-snapshot the table or start from a position after its last DDL.")
    }
}
