/// One version of a table's definition: what the registry knows at a binlog position.
public struct TableSchema: Sendable, Equatable, Codable {
    public var database: String
    public var table: String
    public var columns: [ColumnSchema]
    /// Primary key column names in key order (empty: no primary key).
    public var primaryKey: [String]
    /// The table's default character set and collation (`DEFAULT CHARSET=…`), nil when the DDL names none.
    public var charset: String?
    public var collation: String?

    public init(
        database: String, table: String, columns: [ColumnSchema], primaryKey: [String] = [],
        charset: String? = nil, collation: String? = nil
    ) {
        self.database = database
        self.table = table
        self.columns = columns
        self.primaryKey = primaryKey
        self.charset = charset
        self.collation = collation
    }

    public var name: TableName { TableName(database, table) }

    /// The index of column `name`; column names are case-insensitive in MySQL.
    public func columnIndex(_ name: String) -> Int? {
        let lowered = name.lowercased()
        return columns.firstIndex { $0.name.lowercased() == lowered }
    }
}
