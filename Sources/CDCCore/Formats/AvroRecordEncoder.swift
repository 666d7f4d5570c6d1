import BinlogDecoder

/// `--format avro`: Avro binary in Confluent's wire format (magic byte 0, the schema id as 4 big-endian bytes, the
/// datum). The value is the envelope record of docs/avro.md, the key the record of the primary-key columns; both
/// schemas come from `AvroSchema` and are registered in the catalog by `prepare`. No separator: a binary format for
/// keyed sinks (Kafka), not for line sinks.
///
/// docs/formats.md says how each value is written; in short: Avro needs every column, so a row image that lacks
/// some (`binlog_row_image=MINIMAL`/`NOBLOB`) is an error, and MySQL's zero dates are null in a nullable column and
/// the epoch in a NOT NULL one.
public struct AvroRecordEncoder: RecordEncoder {
    /// The embedded catalog or a remote registry: where schema ids come from.
    public let schemas: any AvroSchemaSource
    /// Selects MariaDB's spelling of column types in the schemas' `mysql.type` properties.
    public let mariadb: Bool

    public init(catalog: AvroSchemaCatalog, mariadb: Bool) {
        self.init(schemas: catalog, mariadb: mariadb)
    }

    public init(schemas: any AvroSchemaSource, mariadb: Bool) {
        self.schemas = schemas
        self.mariadb = mariadb
    }

    public var separator: [UInt8] { [] }

    /// Builds the table version's schemas, registers them, and attaches an `AvroTableEncoding`.
    public func prepare(_ table: TableRenderInfo) throws(CDCError) {
        table.encoding = try encoding(for: table)
    }

    /// The encoding `prepare` attaches (registering its schemas; a remote registry can refuse them).
    public func encoding(for table: TableRenderInfo) throws(CDCError) -> AvroTableEncoding {
        let tableSchema = TableMapSchema.tableSchema(table)
        var schema = AvroSchema(table: tableSchema, mariadb: mariadb)
        let actions = table.columnActions
        if let actions, actions.count == tableSchema.columns.count {
            schema = AvroSchemaFilter.apply(schema, actions: actions)
        }
        let rowTypes: [AvroType]
        if case .record(let envelope) = schema.value,
            let before = envelope.fields.first(where: { $0.name == "before" }),
            case .union(let branches) = before.type, branches.count == 2, case .record(let row) = branches[1]
        {
            rowTypes = row.fields.map(\.type)
        } else {
            rowTypes = tableSchema.columns.map { AvroSchema.type(of: $0) }
        }
        // The row record lost its excluded fields: line the remaining types up with their columns again.
        var typeIterator = rowTypes.makeIterator()
        let keyNames = Set(tableSchema.primaryKey)
        var plans: [AvroColumnPlan] = []
        plans.reserveCapacity(tableSchema.columns.count)
        for (index, column) in tableSchema.columns.enumerated() {
            let action = actions.map { index < $0.count ? $0[index] : .keep } ?? .keep
            var type = action == .exclude ? AvroType.null : typeIterator.next() ?? AvroSchema.type(of: column)
            if case .union(let branches) = type, branches.count == 2 { type = branches[1] }
            var plan = AvroColumnPlan(
                column: table.map.columns[index], schema: column, avroType: type, info: table.columns[index],
                nullable: column.nullable && !keyNames.contains(column.name))
            plan.action = action
            plans.append(plan)
        }
        let records = try schemas.register(schema, database: table.map.database, table: table.map.table)
        return AvroTableEncoding(schema: schema, key: records.key, value: records.value, columns: plans, info: table)
    }

    public func appendValue(
        _ operation: RecordRenderer.Operation, table: TableRenderInfo, before: [ColumnValue]?,
        after: [ColumnValue]?, bytes: [UInt8], side: [UInt8], source: RecordRenderer.Source,
        into out: inout OutputBuffer
    ) throws(DecodeError) {
        let encoding = try Self.encoding(of: table)
        AvroBinaryWriter.appendConfluentHeader(schemaID: encoding.value.id, into: &out)
        let op: String
        switch operation {
        case .insert: op = "insert"
        case .update: op = "update"
        case .delete: op = "delete"
        case .read: op = "read"
        }
        AvroBinaryWriter.appendString(op, into: &out)
        AvroBinaryWriter.appendBytes(encoding.database, into: &out)
        AvroBinaryWriter.appendBytes(encoding.table, into: &out)
        for image in [before, after] {
            guard let image else {
                AvroBinaryWriter.appendUnionIndex(0, into: &out)
                continue
            }
            AvroBinaryWriter.appendUnionIndex(1, into: &out)
            try Self.appendColumns(
                encoding.columns.indices, of: image, encoding: encoding, table: table, bytes: bytes,
                side: side, into: &out)
        }
        // source: server_id, file, pos, row, gtid, ts
        let file = UTF8Text.unescape(source.file[...])
        AvroBinaryWriter.appendLong(Int64(source.serverID), into: &out)
        AvroBinaryWriter.appendBytes(file, into: &out)
        AvroBinaryWriter.appendLong(Int64(truncatingIfNeeded: source.position), into: &out)
        AvroBinaryWriter.appendLong(Int64(source.row), into: &out)
        if let gtid = source.gtid {
            AvroBinaryWriter.appendUnionIndex(1, into: &out)
            AvroBinaryWriter.appendBytes(UTF8Text.unescape(gtid[...]), into: &out)
        } else {
            AvroBinaryWriter.appendUnionIndex(0, into: &out)
        }
        AvroBinaryWriter.appendLong(Int64(source.timestamp), into: &out)
        // key: file:pos:row
        AvroBinaryWriter.appendBytes(file + Array(":\(source.position):\(source.row)".utf8), into: &out)
    }

    public func appendKey(
        table: TableRenderInfo, image: [ColumnValue], bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError) {
        let encoding = try Self.encoding(of: table)
        AvroBinaryWriter.appendConfluentHeader(schemaID: encoding.key.id, into: &out)
        try Self.appendColumns(
            table.keyColumns, of: image, encoding: encoding, table: table, bytes: bytes, side: side, into: &out)
    }

    static func encoding(of table: TableRenderInfo) throws(DecodeError) -> AvroTableEncoding {
        guard let encoding = table.encoding as? AvroTableEncoding, encoding.columns.count == table.columns.count
        else {
            throw DecodeError(
                .missingContext,
                "\(table.qualifiedName): no Avro schema was prepared for this table version (RecordEncoder.prepare "
                    + "must run before its rows are encoded)")
        }
        return encoding
    }

    /// The fields of a row (or key) record: one per column index, in that order.
    static func appendColumns(
        _ indices: some Sequence<Int>, of image: [ColumnValue], encoding: AvroTableEncoding, table: TableRenderInfo,
        bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError) {
        for index in indices where index < encoding.columns.count && encoding.columns[index].action != .exclude {
            let value = index < image.count ? image[index] : .absent
            do {
                try AvroValueWriter.appendField(
                    value, plan: encoding.columns[index], info: table.columns[index], bytes: bytes, side: side,
                    into: &out)
            } catch {
                var located = error
                located.message = "\(table.qualifiedName) column \(index + 1): \(error.message)"
                throw located
            }
        }
    }
}
