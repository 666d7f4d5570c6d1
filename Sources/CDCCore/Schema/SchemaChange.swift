/// What one DDL statement does to the schemas the registry tracks.
public enum SchemaChange: Sendable, Equatable, Codable {
    case create(TableSchema)
    /// CREATE TABLE target LIKE source.
    case createLike(source: TableName, target: TableName)
    case alter(TableName, [AlterOp])
    case drop(TableName)
    case rename(from: TableName, to: TableName)
    /// TRUNCATE TABLE: no schema change, reported so callers can see it.
    case truncate(TableName)
    /// DROP DATABASE: every table of it ends.
    case dropDatabase(String)
    /// CREATE/ALTER DATABASE with a default character set or collation: tables created later without their own
    /// default inherit it.
    case databaseDefaults(database: String, charset: String?, collation: String?)
    /// DDL this parser cannot read. `table` is the table it names, when that much was readable: the caller
    /// re-reads it from information_schema and warns.
    case unparsed(table: TableName?, reason: String)
}
