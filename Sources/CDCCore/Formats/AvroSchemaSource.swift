/// Where the Avro encoder gets its schema ids: the embedded `AvroSchemaCatalog`, or a Confluent-compatible schema
/// registry (`--schema-registry-url`, the command's `RemoteAvroRegistry`). `register` runs in
/// `RecordEncoder.prepare`, on the pipeline's thread, before any record of the table version is encoded.
public protocol AvroSchemaSource: Sendable {
    /// Registers the key and value schemas of a table version under `<topic>-key` and `<topic>-value` (Confluent's
    /// TopicNameStrategy, the topic from `--topic`) and returns their registrations.
    func register(_ schema: AvroSchema, database: String, table: String) throws(CDCError) -> (
        key: AvroSchemaRecord, value: AvroSchemaRecord
    )

    /// Registers one schema under `subject` (the transaction markers' fixed schemas).
    func register(_ schema: AvroType, subject: String) throws(CDCError) -> AvroSchemaRecord

    /// The topic (and so the subject prefix) of a table, from `--topic`.
    func topic(database: String, table: String) -> String

    /// The registrations made since the last call, for the state store.
    func takeNew() -> [AvroSchemaRecord]
}

extension AvroSchemaCatalog: AvroSchemaSource {}
