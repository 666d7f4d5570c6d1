import BinlogDecoder

/// Every captured table's schema at every binlog position: a list of versions per table, each valid from the
/// position of the DDL that made it until the next one.
///
/// A value type with no I/O: the pipeline applies the changes of each DDL query event at that event's position,
/// asks `schema(of:at:)` for each rows event, and saves `snapshot()` in the state store with its positions.
public struct SchemaRegistry: Sendable, Equatable {
    /// One version of one table: `schema` from `position` on; nil `schema` means the table does not exist
    /// (dropped, renamed away) from there.
    public struct Version: Sendable, Equatable, Codable {
        public var position: SchemaPosition
        public var schema: TableSchema?
        /// For the first version after RENAME TABLE or CREATE TABLE … LIKE: the table it came from.
        public var derivedFrom: TableName?

        public init(position: SchemaPosition, schema: TableSchema?, derivedFrom: TableName? = nil) {
            self.position = position
            self.schema = schema
            self.derivedFrom = derivedFrom
        }
    }

    /// Something the caller must act on after `apply`: re-read the table from information_schema and warn.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The table to re-read, when known.
        public var table: TableName?
        public var reason: String
        public var description: String { table.map { "\($0): \(reason)" } ?? reason }
    }

    /// True when the server is MariaDB (JSON is LONGTEXT there).
    public var mariadb: Bool
    var histories: [TableName: [Version]] = [:]
    /// Default character set and collation of each database (CREATE/ALTER DATABASE).
    public internal(set) var databaseDefaults: [String: DatabaseDefaults] = [:]

    public init(mariadb: Bool) {
        self.mariadb = mariadb
    }

    // MARK: - queries

    /// The schema of `table` at `position`: the newest version that starts at or before it.
    public func schema(of table: TableName, at position: SchemaPosition) -> TableSchema? {
        guard let versions = histories[table] else { return nil }
        // Versions are kept in position order; binary search for the last one <= position.
        var low = 0
        var high = versions.count
        while low < high {
            let middle = (low + high) / 2
            if versions[middle].position <= position { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : versions[low - 1].schema
    }

    public func versions(of table: TableName) -> [Version] { histories[table] ?? [] }

    /// Every table with a history, sorted.
    public var tables: [TableName] { histories.keys.sorted() }

    // MARK: - changes

    /// Records `schema` as the version of its table from `position` on (from information_schema, or a resolved
    /// mismatch).
    public mutating func record(_ schema: TableSchema, at position: SchemaPosition) {
        append(Version(position: position, schema: schema), to: schema.name)
    }

    /// Applies the changes of one DDL statement, at the statement's position. Returns what could not be applied
    /// (unparsed DDL, ALTER of a column the registry does not know): those tables need re-reading.
    @discardableResult
    public mutating func apply(_ changes: [SchemaChange], at position: SchemaPosition) -> [Problem] {
        var problems: [Problem] = []
        for change in changes {
            switch change {
            case .create(var schema):
                if schema.charset == nil && schema.collation == nil,
                    let defaults = databaseDefaults[schema.database]
                {
                    schema.charset = defaults.charset
                    schema.collation = defaults.collation
                }
                record(schema, at: position)
            case .createLike(let source, let target):
                guard var schema = schema(of: source, at: position) else {
                    problems.append(Problem(table: target, reason: "CREATE TABLE LIKE an unknown table \(source)"))
                    continue
                }
                schema.database = target.database
                schema.table = target.table
                append(Version(position: position, schema: schema, derivedFrom: source), to: target)
            case .alter(let table, let ops):
                guard let current = schema(of: table, at: position) else {
                    problems.append(Problem(table: table, reason: "ALTER TABLE of a table the registry does not know"))
                    continue
                }
                switch current.applying(ops) {
                case .success(let altered):
                    if altered.name != table {
                        append(Version(position: position, schema: nil), to: table)
                        append(Version(position: position, schema: altered, derivedFrom: table), to: altered.name)
                    } else {
                        record(altered, at: position)
                    }
                case .failure(let failure):
                    problems.append(Problem(table: table, reason: failure.description))
                    append(Version(position: position, schema: nil), to: table)
                }
            case .drop(let table):
                if histories[table] != nil { append(Version(position: position, schema: nil), to: table) }
            case .dropDatabase(let database):
                for table in histories.keys where table.database == database {
                    append(Version(position: position, schema: nil), to: table)
                }
                databaseDefaults[database] = nil
            case .rename(let from, let to):
                // RENAME TABLE a TO b, b TO c runs pairs in order, so each sees the previous pair's result.
                guard var schema = schema(of: from, at: position) else {
                    problems.append(Problem(table: to, reason: "RENAME TABLE of a table the registry does not know"))
                    continue
                }
                schema.database = to.database
                schema.table = to.table
                append(Version(position: position, schema: nil), to: from)
                append(Version(position: position, schema: schema, derivedFrom: from), to: to)
            case .truncate:
                break
            case .databaseDefaults(let database, let charset, let collation):
                databaseDefaults[database] = DatabaseDefaults(charset: charset, collation: collation)
            case .unparsed(let table, let reason):
                problems.append(Problem(table: table, reason: "DDL not understood: \(reason)"))
            }
        }
        return problems
    }

    /// Adds `version`, replacing a version at the same position (several changes of one statement) and dropping
    /// versions after it (re-applying history from an earlier position).
    private mutating func append(_ version: Version, to table: TableName) {
        var versions = histories[table] ?? []
        while let last = versions.last, last.position >= version.position {
            if last.position == version.position, version.derivedFrom == nil, last.derivedFrom != nil {
                // keep the lineage of a rename/create-like followed by an ALTER in the same statement
                var merged = version
                merged.derivedFrom = last.derivedFrom
                versions.removeLast()
                versions.append(merged)
                histories[table] = versions
                return
            }
            versions.removeLast()
        }
        versions.append(version)
        histories[table] = versions
    }

    /// Drops versions no saved position needs: for each table, everything before the version in force at
    /// `position` (that version is kept).
    public mutating func compact(before position: SchemaPosition) {
        for (table, versions) in histories {
            guard let keep = versions.lastIndex(where: { $0.position <= position }), keep > 0 else { continue }
            let remaining = Array(versions[keep...])
            if remaining.count == 1 && remaining[0].schema == nil {
                histories[table] = nil
            } else {
                histories[table] = remaining
            }
        }
    }

    // MARK: - checking table maps

    /// What the registry makes of a table map at a position.
    public enum Resolution: Sendable, Equatable {
        /// The registry has no schema for the table there: read it from information_schema and `record` it.
        case unknown
        /// The table map completed from the schema (`completing`).
        case resolved(TableMap)
        /// The table map disagrees with the schema: re-read the table, `record` it and resolve again.
        case mismatch(SchemaMismatch)
    }

    /// Looks up the table's schema at `position`, checks the map against it and completes the map.
    public func resolve(_ map: TableMap, at position: SchemaPosition) -> Resolution {
        guard let schema = schema(of: TableName(map.database, map.table), at: position) else { return .unknown }
        if let mismatch = check(map, against: schema) { return .mismatch(mismatch) }
        return .resolved(completing(map, schema: schema))
    }

    /// Compares a table map with a schema: the column count, then each column's type code, and the column names
    /// when the table map carries them. Nil when they agree.
    public func check(_ map: TableMap, against schema: TableSchema) -> SchemaMismatch? {
        let table = TableName(map.database, map.table)
        guard map.columns.count == schema.columns.count else {
            return SchemaMismatch(
                table: table, kind: .columnCount(tableMap: map.columns.count, schema: schema.columns.count))
        }
        for (index, column) in schema.columns.enumerated() {
            let expected = BinlogTypeMapping.types(for: column, mariadb: mariadb)
            let actual = map.columns[index].type
            if !expected.contains(actual) {
                return SchemaMismatch(
                    table: table,
                    kind: .columnType(
                        index: index, column: column.name, schemaType: column.columnType(mariadb: mariadb),
                        tableMap: actual, expected: expected))
            }
            if let name = map.columns[index].name, name.lowercased() != column.name.lowercased() {
                return SchemaMismatch(
                    table: table, kind: .columnName(index: index, schema: column.name, tableMap: name))
            }
        }
        return nil
    }

    /// The table map's columns completed from `schema`: names, signedness, collation ids, ENUM/SET labels,
    /// primary key flags and the fractional precision of old-format temporal columns. What the table map already
    /// carries (from `binlog_row_metadata`) is kept. Call after `check` agrees.
    public func columns(for map: TableMap, schema: TableSchema) -> [TableColumn] {
        var columns = map.columns
        let primaryKey = Set(schema.primaryKey.map { $0.lowercased() })
        for index in columns.indices where index < schema.columns.count {
            let source = schema.columns[index]
            if columns[index].name == nil { columns[index].name = source.name }
            if columns[index].type.isNumeric && columns[index].unsigned == nil {
                columns[index].unsigned = source.unsigned
            }
            if columns[index].isEnumOrSet {
                if columns[index].labels == nil {
                    // Labels come from the DDL text (UTF-8), so they are read as utf8mb4.
                    columns[index].labels = (source.labels ?? []).map { Array($0.utf8) }
                    columns[index].collation = CollationNames.collationID(charset: "utf8mb4", collation: nil)
                }
            } else if columns[index].isCharacterColumn && columns[index].collation == nil {
                columns[index].collation = collationID(of: source, in: schema)
            }
            if primaryKey.contains(source.name.lowercased()) { columns[index].isPrimaryKey = true }
            if BinlogTypeMapping.isLegacyTemporal(columns[index].type) && columns[index].legacyFSP == nil {
                columns[index].legacyFSP = UInt8(min(6, max(0, source.fsp ?? 0)))
            }
        }
        return columns
    }

    /// `map` with `columns(for:schema:)` and the primary key filled in.
    public func completing(_ map: TableMap, schema: TableSchema) -> TableMap {
        var completed = map
        completed.columns = columns(for: map, schema: schema)
        if completed.primaryKey.isEmpty {
            completed.primaryKey = completed.columns.indices.filter { completed.columns[$0].isPrimaryKey }
        }
        return completed
    }

    /// The collation id of a character column: its own, else the table's default, else its database's default.
    /// Binary strings (BINARY, VARBINARY, BLOB) are collation 63.
    func collationID(of column: ColumnSchema, in schema: TableSchema) -> UInt16? {
        switch column.type {
        case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "inet6", "inet4", "uuid",
            "vector":
            return 63
        default:
            break
        }
        if column.charset != nil || column.collation != nil {
            return CollationNames.collationID(charset: column.charset, collation: column.collation)
        }
        if schema.charset != nil || schema.collation != nil {
            return CollationNames.collationID(charset: schema.charset, collation: schema.collation)
        }
        if let defaults = databaseDefaults[schema.database] {
            return CollationNames.collationID(charset: defaults.charset, collation: defaults.collation)
        }
        return nil
    }
}
