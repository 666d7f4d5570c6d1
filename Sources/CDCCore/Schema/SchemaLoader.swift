/// Where a table's schema comes from when the binlog does not say: a live server's information_schema.
public protocol SchemaLoader: AnyObject {
    /// The table's current schema, or nil when the server does not have it (dropped since).
    func loadSchema(of table: TableName) throws(CDCError) -> TableSchema?
    /// The database's default character set and collation (what a CREATE TABLE without them inherits).
    func loadDatabaseDefaults(of database: String) throws(CDCError) -> (charset: String?, collation: String?)?
}

extension SchemaLoader {
    public func loadDatabaseDefaults(of database: String) throws(CDCError) -> (charset: String?, collation: String?)? {
        nil
    }
}
