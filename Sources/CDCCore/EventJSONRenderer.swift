import BinlogDecoder

/// `parse --events`: one JSON object per event (header fields plus what matters of its content), for looking
/// into a binlog the way `mariadb-binlog` does.
public enum EventJSONRenderer {
    public static func append(
        _ event: BinlogEvent, bytes: [UInt8], file: [UInt8], rows: Int, into out: inout OutputBuffer
    ) {
        let header = event.header
        JSONOutput.appendLiteral("{\"file\":\"", into: &out)
        out.append(contentsOf: file)
        JSONOutput.appendLiteral("\",\"pos\":", into: &out)
        JSONOutput.append(event.offset, into: &out)
        JSONOutput.appendLiteral(",\"type\":", into: &out)
        JSONString.append(header.type.name, into: &out)
        JSONOutput.appendLiteral(",\"type_code\":", into: &out)
        JSONOutput.append(UInt64(header.type.rawValue), into: &out)
        JSONOutput.appendLiteral(",\"ts\":", into: &out)
        JSONOutput.append(UInt64(header.timestamp), into: &out)
        JSONOutput.appendLiteral(",\"server_id\":", into: &out)
        JSONOutput.append(UInt64(header.serverID), into: &out)
        JSONOutput.appendLiteral(",\"size\":", into: &out)
        JSONOutput.append(UInt64(header.eventSize), into: &out)
        JSONOutput.appendLiteral(",\"next_pos\":", into: &out)
        JSONOutput.append(UInt64(header.logPosition), into: &out)
        JSONOutput.appendLiteral(",\"flags\":", into: &out)
        JSONOutput.append(UInt64(header.flags), into: &out)
        if event.inPayload { JSONOutput.appendLiteral(",\"in_payload\":true", into: &out) }
        switch event.body {
        case .formatDescription(let format):
            field("server_version", format.serverVersion, into: &out)
            JSONOutput.appendLiteral(",\"binlog_version\":", into: &out)
            JSONOutput.append(UInt64(format.binlogVersion), into: &out)
            field("checksum", format.checksum == .crc32 ? "CRC32" : "NONE", into: &out)
        case .rotate(let next, let position):
            field("next_file", next, into: &out)
            JSONOutput.appendLiteral(",\"next_file_pos\":", into: &out)
            JSONOutput.append(position, into: &out)
        case .query(let query):
            field("db", query.database, into: &out)
            field("query", query.query, into: &out)
        case .xid(let xid):
            JSONOutput.appendLiteral(",\"xid\":", into: &out)
            JSONOutput.append(xid, into: &out)
        case .tableMap(let map):
            JSONOutput.appendLiteral(",\"table_id\":", into: &out)
            JSONOutput.append(map.tableID, into: &out)
            field("db", map.database, into: &out)
            field("table", map.table, into: &out)
            JSONOutput.appendLiteral(",\"columns\":[", into: &out)
            for (index, column) in map.columns.enumerated() {
                if index > 0 { out.append(44) }
                JSONOutput.appendLiteral("{\"name\":", into: &out)
                if let name = column.name {
                    JSONString.append(name, into: &out)
                } else {
                    JSONOutput.appendLiteral("null", into: &out)
                }
                field("type", column.type.name, into: &out)
                JSONOutput.appendLiteral(",\"meta\":", into: &out)
                JSONOutput.append(UInt64(column.meta), into: &out)
                JSONOutput.appendLiteral(",\"nullable\":", into: &out)
                JSONOutput.appendLiteral(column.nullable ? "true" : "false", into: &out)
                if let unsigned = column.unsigned {
                    JSONOutput.appendLiteral(",\"unsigned\":", into: &out)
                    JSONOutput.appendLiteral(unsigned ? "true" : "false", into: &out)
                }
                if let collation = column.collation {
                    JSONOutput.appendLiteral(",\"collation\":", into: &out)
                    JSONOutput.append(UInt64(collation), into: &out)
                }
                if let dimensions = column.vectorDimensions {
                    JSONOutput.appendLiteral(",\"vector_dimensions\":", into: &out)
                    JSONOutput.append(dimensions, into: &out)
                }
                if column.isPrimaryKey { JSONOutput.appendLiteral(",\"primary_key\":true", into: &out) }
                if !column.visible { JSONOutput.appendLiteral(",\"visible\":false", into: &out) }
                out.append(125)
            }
            out.append(93)
        case .rows(let rows):
            JSONOutput.appendLiteral(",\"table_id\":", into: &out)
            JSONOutput.append(rows.tableID, into: &out)
        case .mysqlGTID(let gtid):
            JSONOutput.appendLiteral(",\"gtid\":", into: &out)
            if let value = gtid.gtid {
                JSONString.append(value.description, into: &out)
            } else {
                JSONOutput.appendLiteral("null", into: &out)
            }
        case .previousGTIDs(let set):
            field("gtid_set", set.description, into: &out)
        case .mariaGTID(let gtid):
            field("gtid", gtid.gtid.description, into: &out)
        case .mariaGTIDList(let list):
            JSONOutput.appendLiteral(",\"gtid_list\":[", into: &out)
            for (index, gtid) in list.gtids.enumerated() {
                if index > 0 { out.append(44) }
                JSONString.append(gtid.description, into: &out)
            }
            out.append(93)
        case .mariaBinlogCheckpoint(let checkpoint):
            field("binlog_file", checkpoint, into: &out)
        case .rowsQuery(let range):
            field("query", String(decoding: bytes[range], as: UTF8.self), into: &out)
        case .transactionPayload(let payload):
            switch payload.compression {
            case .zstd: field("compression", "ZSTD", into: &out)
            case .none: field("compression", "NONE", into: &out)
            case .other(let code): field("compression", "\(code)", into: &out)
            }
            JSONOutput.appendLiteral(",\"uncompressed_size\":", into: &out)
            JSONOutput.append(payload.uncompressedSize, into: &out)
        case .incident(let code, let message):
            JSONOutput.appendLiteral(",\"incident\":", into: &out)
            JSONOutput.append(UInt64(code), into: &out)
            field("message", message, into: &out)
        case .intvar(let kind, let value):
            JSONOutput.appendLiteral(",\"intvar_type\":", into: &out)
            JSONOutput.append(UInt64(kind), into: &out)
            JSONOutput.appendLiteral(",\"value\":", into: &out)
            JSONOutput.append(value, into: &out)
        case .userVar(let name):
            field("name", name, into: &out)
        case .rand, .stop, .heartbeat, .other:
            break
        }
        if event.header.type.rowsKind != nil {
            JSONOutput.appendLiteral(",\"rows\":", into: &out)
            JSONOutput.append(UInt64(rows), into: &out)
        }
        JSONOutput.appendLiteral("}\n", into: &out)
    }

    private static func field(_ name: StaticString, _ value: String, into out: inout OutputBuffer) {
        out.append(44)
        out.append(34)
        JSONOutput.appendLiteral(name, into: &out)
        out.append(34)
        out.append(58)
        JSONString.append(value, into: &out)
    }
}
