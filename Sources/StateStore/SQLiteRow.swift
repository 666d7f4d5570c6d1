/// One result row, copied out of SQLite so it outlives the statement. Typed accessors throw (instead of trapping)
/// when a column holds something else, naming the column and the statement.
public struct SQLiteRow: Sendable {
    public let values: [SQLiteValue]
    let sql: String
    let path: String

    public subscript(_ index: Int) -> SQLiteValue { index < values.count ? values[index] : .null }

    public func int64(_ index: Int) throws(StateStoreError) -> Int64 {
        guard let value = try optionalInt64(index) else { throw mismatch(index, "an integer", found: .null) }
        return value
    }

    public func optionalInt64(_ index: Int) throws(StateStoreError) -> Int64? {
        switch self[index] {
        case .integer(let value): return value
        case .null: return nil
        case let other: throw mismatch(index, "an integer", found: other)
        }
    }

    public func string(_ index: Int) throws(StateStoreError) -> String {
        guard let value = try optionalString(index) else { throw mismatch(index, "text", found: .null) }
        return value
    }

    public func optionalString(_ index: Int) throws(StateStoreError) -> String? {
        switch self[index] {
        case .text(let value): return value
        case .null: return nil
        case let other: throw mismatch(index, "text", found: other)
        }
    }

    public func blob(_ index: Int) throws(StateStoreError) -> [UInt8] {
        guard let value = try optionalBlob(index) else { throw mismatch(index, "a blob", found: .null) }
        return value
    }

    /// Text columns are accepted as blobs too (their UTF-8 bytes): SQLite does not enforce column types.
    public func optionalBlob(_ index: Int) throws(StateStoreError) -> [UInt8]? {
        switch self[index] {
        case .blob(let value): return value
        case .text(let value): return Array(value.utf8)
        case .null: return nil
        case let other: throw mismatch(index, "a blob", found: other)
        }
    }

    private func mismatch(_ index: Int, _ expected: String, found: SQLiteValue) -> StateStoreError {
        let kind: String
        switch found {
        case .integer: kind = "an integer"
        case .real: kind = "a real"
        case .text: kind = "text"
        case .blob: kind = "a blob"
        case .null: kind = "NULL"
        }
        return StateStoreError(
            .invalidValue, "result column \(index) holds \(kind), expected \(expected)", path: path, sql: sql,
            hint: "the state file was modified outside binlog-sink or is damaged")
    }
}
