import CDCCore
import KafkaSink

/// `--format`: the record encoder.
enum FormatFactory {
    /// The encoder, and for Avro the schema catalog whose new schemas are saved with each checkpoint.
    struct Format {
        var encoder: any RecordEncoder
        var catalog: AvroSchemaCatalog?
        /// `--transaction-markers`: the markers' encoding (nil without the flag).
        var markers: (any TransactionMarkerEncoder)?
    }

    /// `name` is the source's logical name (Debezium's `source.name`); `saved` the Avro schemas a state holds.
    static func make(
        _ options: SinkOptions, name: String, mariadb: Bool, saved: [CDCCore.AvroSchemaRecord]
    ) throws(CDCError) -> Format {
        switch options.format {
        case "json":
            return Format(encoder: JSONRecordEncoder(), markers: options.transactionMarkers ? JSONMarkerEncoder() : nil)
        case "debezium":
            return Format(
                encoder: DebeziumRecordEncoder(name: name),
                markers: options.transactionMarkers ? DebeziumMarkerEncoder() : nil)
        case "avro":
            if options.schemaRegistryUrl != nil {
                throw CDCError(
                    .usage,
                    "--schema-registry-url is not supported yet: Avro schema ids come from the embedded registry "
                        + "(saved in --state)")
            }
            let template = try KafkaTopicTemplate(options.topic)
            let catalog = try AvroSchemaCatalog(
                records: saved,
                topic: { database, table in
                    (try? template.topic(database: database, table: table)) ?? "\(database).\(table)"
                })
            return Format(
                encoder: AvroRecordEncoder(catalog: catalog, mariadb: mariadb), catalog: catalog,
                markers: options.transactionMarkers ? AvroMarkerEncoder(catalog: catalog) : nil)
        default:
            throw CDCError(.usage, "--format \(options.format): use json, debezium or avro")
        }
    }
}
