/// A table's database and name, as the server spells them (table names are case-sensitive on Linux servers).
public struct TableName: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var database: String
    public var table: String

    public init(_ database: String, _ table: String) {
        self.database = database
        self.table = table
    }

    public var description: String { "\(database).\(table)" }

    public static func < (lhs: TableName, rhs: TableName) -> Bool {
        (lhs.database, lhs.table) < (rhs.database, rhs.table)
    }
}
