/// The Avro encoder's state for one table version (`TableRenderInfo.encoding`): the registered schema ids and how
/// each column is written.
public struct AvroTableEncoding: TableEncoding {
    /// The schemas of this table version (`AvroSchema`, docs/avro.md).
    public let schema: AvroSchema
    /// Subjects and ids in the catalog: `<topic>-key` and `<topic>-value`.
    public let key: AvroSchemaRecord
    public let value: AvroSchemaRecord
    /// One plan per table-map column, in table order.
    public let columns: [AvroColumnPlan]
    /// Database and table names as UTF-8, for the envelope.
    let database: [UInt8]
    let table: [UInt8]

    init(
        schema: AvroSchema, key: AvroSchemaRecord, value: AvroSchemaRecord, columns: [AvroColumnPlan],
        info: TableRenderInfo
    ) {
        self.schema = schema
        self.key = key
        self.value = value
        self.columns = columns
        self.database = Array(info.map.database.utf8)
        self.table = Array(info.map.table.utf8)
    }
}
