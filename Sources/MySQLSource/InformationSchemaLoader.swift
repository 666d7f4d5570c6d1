import CDCCore

/// Reads a table's current schema from `information_schema` on its own connection (the replication connection
/// is busy streaming), for the schema registry.
///
/// The columns come back as information_schema's `COLUMN_TYPE` text (`int(10) unsigned`, `enum('a','b')`,
/// `datetime(3)`); they are put together into a `CREATE TABLE` and read by the same DDL parser the registry uses
/// for the binlog, so a schema read here and one followed through DDL cannot differ in interpretation.
public final class InformationSchemaLoader: SchemaLoader {
    let connection: MySQLConnection

    public init(url: SourceURL, options: ConnectionOptions) throws(CDCError) {
        do {
            connection = try MySQLConnection(url: url, options: options)
        } catch {
            throw CDCError(.io, error.description)
        }
    }

    public var isMariaDB: Bool { connection.isMariaDB }

    /// The source server's `@@server_id` (saved with checkpoints, to notice a state reused against another server).
    public func sourceServerID() throws(CDCError) -> UInt32? {
        do {
            return try connection.scalar("SELECT @@server_id").flatMap { UInt32($0) }
        } catch {
            throw CDCError(.io, error.description)
        }
    }

    public func loadSchema(of table: TableName) throws(CDCError) -> TableSchema? {
        let rows: [[String?]]
        do {
            rows = try connection.query(
                """
                SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_KEY
                FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = \(connection.literal(table.database)) AND TABLE_NAME = \(connection.literal(table.table))
                ORDER BY ORDINAL_POSITION
                """)
        } catch {
            throw CDCError(.io, "reading the columns of \(table) from information_schema: \(error.description)")
        }
        guard !rows.isEmpty else { return nil }
        var definitions: [String] = []
        var primaryKey: [String] = []
        for row in rows {
            guard row.count == 6, let name = row[0], let type = row[1] else { continue }
            var definition = "\(Self.quote(name)) \(type)"
            if let charset = row[3] { definition += " CHARACTER SET \(charset)" }
            if let collation = row[4] { definition += " COLLATE \(collation)" }
            definition += row[2] == "NO" ? " NOT NULL" : " NULL"
            definitions.append(definition)
            if row[5] == "PRI" { primaryKey.append(Self.quote(name)) }
        }
        // COLUMN_KEY lists primary key columns in table order; the key's own order lives in STATISTICS.
        if !primaryKey.isEmpty,
            let ordered = try? connection.query(
                """
                SELECT COLUMN_NAME FROM information_schema.STATISTICS
                WHERE TABLE_SCHEMA = \(connection.literal(table.database)) AND TABLE_NAME = \(connection.literal(table.table))
                  AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX
                """), !ordered.isEmpty
        {
            primaryKey = ordered.compactMap { $0.first.flatMap { $0 }.map(Self.quote) }
        }
        if !primaryKey.isEmpty { definitions.append("PRIMARY KEY (\(primaryKey.joined(separator: ", ")))") }
        let statement =
            "CREATE TABLE \(Self.quote(table.database)).\(Self.quote(table.table)) (\(definitions.joined(separator: ", ")))"
        for change in DDLParser.parse(statement, defaultDatabase: table.database) {
            if case .create(let schema) = change { return schema }
        }
        throw CDCError(
            .decode,
            "information_schema describes \(table) in a way the DDL reader does not follow: \(statement.prefix(300))")
    }

    public func loadDatabaseDefaults(of database: String) throws(CDCError) -> (charset: String?, collation: String?)? {
        do {
            let rows = try connection.query(
                """
                SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA
                WHERE SCHEMA_NAME = \(connection.literal(database))
                """)
            guard let row = rows.first, row.count == 2 else { return nil }
            return (row[0], row[1])
        } catch {
            throw CDCError(
                .io, "reading the defaults of database \(database) from information_schema: \(error.description)")
        }
    }

    static func quote(_ name: String) -> String {
        var quoted = "`"
        for character in name {
            quoted.append(character)
            if character == "`" { quoted.append("`") }
        }
        return quoted + "`"
    }
}
