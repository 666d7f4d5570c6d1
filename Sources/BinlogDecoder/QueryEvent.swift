/// QUERY_EVENT (and MariaDB's QUERY_COMPRESSED_EVENT): a statement — BEGIN, COMMIT, DDL, or DML in
/// statement-based logging.
///
/// Post-header: `thread_id` u32 · `exec_time` u32 · `db_len` u8 · `error_code` u16 · `status_vars_len` u16 (binlog
/// v4). Body: status variables · db · NUL · the statement (MariaDB compressed: zlib, see `MariaCompression`).
public struct QueryEvent: Sendable, Equatable {
    public var threadID: UInt32
    public var executionTime: UInt32
    public var errorCode: UInt16
    public var database: String
    public var query: String

    static func parse(
        _ bytes: [UInt8], body range: Range<Int>, postHeaderLength: Int, compressed: Bool,
        decompressor: (any Decompressor)?
    ) throws(DecodeError) -> QueryEvent {
        var reader = ByteReader(bytes, range: range)
        let threadID = try reader.readUInt32LE("thread_id")
        let executionTime = try reader.readUInt32LE("exec_time")
        let dbLength = Int(try reader.readUInt8("db_len"))
        let errorCode = try reader.readUInt16LE("error_code")
        var statusLength = 0
        if postHeaderLength >= 13 {
            statusLength = Int(try reader.readUInt16LE("status_vars_len"))
            if postHeaderLength > 13 { try reader.skip(postHeaderLength - 13, "post-header") }
        }
        try reader.skip(statusLength, "status variables")
        let database = try reader.readString(dbLength, "db name")
        try reader.skip(1, "db name terminator")
        let rest = reader.readRest()
        let query: String
        if compressed {
            guard let decompressor else {
                throw DecodeError(.decompression, "compressed query event but no zlib decompressor is configured")
            }
            query = String(decoding: try MariaCompression.inflate(bytes[rest], using: decompressor), as: UTF8.self)
        } else {
            query = String(decoding: bytes[rest], as: UTF8.self)
        }
        return QueryEvent(
            threadID: threadID, executionTime: executionTime, errorCode: errorCode,
            database: database, query: query)
    }
}
