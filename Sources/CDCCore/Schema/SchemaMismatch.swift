import BinlogDecoder

/// How a table map disagrees with the schema the registry holds for its table.
public struct SchemaMismatch: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case columnCount(tableMap: Int, schema: Int)
        /// Column `index`: the table map's type code is not one the schema's column can produce.
        case columnType(index: Int, column: String, schemaType: String, tableMap: ColumnType, expected: [ColumnType])
        /// Column `index` has another name in the table map's metadata (`binlog_row_metadata=FULL`): a rename the
        /// registry missed.
        case columnName(index: Int, schema: String, tableMap: String)
    }

    public var table: TableName
    public var kind: Kind

    public var description: String {
        switch kind {
        case .columnCount(let mapCount, let schemaCount):
            return "\(table): the table map has \(mapCount) columns, the schema \(schemaCount)"
        case .columnType(let index, let column, let schemaType, let actual, let expected):
            let names = expected.map(\.name).joined(separator: " or ")
            return
                "\(table): column \(index) (\(column) \(schemaType)) is \(actual.name) in the table map, expected \(names)"
        case .columnName(let index, let schemaName, let mapName):
            return "\(table): column \(index) is \(schemaName) in the schema, \(mapName) in the table map"
        }
    }
}
