import BinlogDecoder

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--format debezium`: Debezium's change-event envelope as its JsonConverter writes it with
/// `schemas.enable=false`, one object per line:
///
/// `{"before":…,"after":…,"source":{"version":"binlog-sink","connector":"mysql","name":…,"ts_ms":…,
/// "snapshot":"false","db":…,"table":…,"server_id":…,"gtid":…,"file":…,"pos":…,"row":…},"op":"c","ts_ms":…}`
///
/// Column values follow Debezium's MySQL defaults where they differ from the native format (dates as day counts,
/// DATETIME as epoch milliseconds or microseconds, TIMESTAMP as ISO-8601 UTC, TIME as microseconds, BIT as a
/// boolean or little-endian bytes, JSON as a string); docs/formats.md lists them. Keys are `{"pk":value}` objects
/// with the same value representation.
public struct DebeziumRecordEncoder: RecordEncoder {
    /// `source.name`, Debezium's logical server name (`topic.prefix`), as JSON string contents.
    private let name: [UInt8]
    private let now: @Sendable () -> UInt64

    /// `name`: the logical server name written as `source.name`. `now`: milliseconds since the epoch for the
    /// envelope's `ts_ms` (when binlog-sink wrote the record), the system clock unless a test fixes it.
    public init(name: String, now: @escaping @Sendable () -> UInt64 = DebeziumRecordEncoder.systemMillis) {
        var rendered: [UInt8] = []
        JSONString.append(name, into: &rendered)
        self.name = Array(rendered.dropFirst().dropLast())
        self.now = now
    }

    public static let systemMillis: @Sendable () -> UInt64 = {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(max(0, time.tv_sec)) * 1000 + UInt64(max(0, time.tv_nsec)) / 1_000_000
    }

    public var separator: [UInt8] { [10] }

    public func prepare(_ table: TableRenderInfo) throws(CDCError) {}

    public func appendValue(
        _ operation: RecordRenderer.Operation, table: TableRenderInfo, before: [ColumnValue]?,
        after: [ColumnValue]?, bytes: [UInt8], side: [UInt8], source: RecordRenderer.Source,
        into out: inout OutputBuffer
    ) throws(DecodeError) {
        JSONOutput.appendLiteral("{\"before\":", into: &out)
        try appendImage(before, table: table, bytes: bytes, side: side, into: &out)
        JSONOutput.appendLiteral(",\"after\":", into: &out)
        try appendImage(after, table: table, bytes: bytes, side: side, into: &out)
        JSONOutput.appendLiteral(
            ",\"source\":{\"version\":\"binlog-sink\",\"connector\":\"mysql\",\"name\":\"", into: &out)
        out.append(contentsOf: name)
        JSONOutput.appendLiteral("\",\"ts_ms\":", into: &out)
        JSONOutput.append(UInt64(source.timestamp) * 1000, into: &out)
        if operation == .read {
            JSONOutput.appendLiteral(",\"snapshot\":\"true\",", into: &out)
        } else {
            JSONOutput.appendLiteral(",\"snapshot\":\"false\",", into: &out)
        }
        out.append(contentsOf: table.dbAndTable)
        JSONOutput.appendLiteral(",\"server_id\":", into: &out)
        JSONOutput.append(UInt64(source.serverID), into: &out)
        JSONOutput.appendLiteral(",\"gtid\":", into: &out)
        if let gtid = source.gtid {
            out.append(34)
            out.append(contentsOf: gtid)
            out.append(34)
        } else {
            JSONOutput.appendLiteral("null", into: &out)
        }
        JSONOutput.appendLiteral(",\"file\":\"", into: &out)
        out.append(contentsOf: source.file)
        JSONOutput.appendLiteral("\",\"pos\":", into: &out)
        JSONOutput.append(source.position, into: &out)
        JSONOutput.appendLiteral(",\"row\":", into: &out)
        JSONOutput.append(UInt64(source.row), into: &out)
        switch operation {
        case .insert: JSONOutput.appendLiteral("},\"op\":\"c\",\"ts_ms\":", into: &out)
        case .update: JSONOutput.appendLiteral("},\"op\":\"u\",\"ts_ms\":", into: &out)
        case .delete: JSONOutput.appendLiteral("},\"op\":\"d\",\"ts_ms\":", into: &out)
        case .read: JSONOutput.appendLiteral("},\"op\":\"r\",\"ts_ms\":", into: &out)
        }
        JSONOutput.append(now(), into: &out)
        out.append(125)
    }

    public func appendKey(
        table: TableRenderInfo, image: [ColumnValue], bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError) {
        try ColumnObjectWriter.append(
            table.keyColumns, of: image, table: table, bytes: bytes, side: side, renderer: DebeziumValueRenderer.self,
            into: &out)
    }

    private func appendImage(
        _ image: [ColumnValue]?, table: TableRenderInfo, bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError) {
        guard let image else {
            JSONOutput.appendLiteral("null", into: &out)
            return
        }
        try ColumnObjectWriter.append(
            0..<image.count, of: image, table: table, bytes: bytes, side: side, renderer: DebeziumValueRenderer.self,
            into: &out)
    }
}
