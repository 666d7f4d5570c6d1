import CDCCore
import Foundation
import KafkaSink

/// `--format`: the record encoder.
enum FormatFactory {
    /// The encoder; for Avro, where its schema ids come from (saved in the state as they are registered) and, with
    /// the embedded registry, its catalog (served by `--registry-listen`).
    struct Format {
        var encoder: any RecordEncoder
        var schemas: (any AvroSchemaSource)?
        var catalog: AvroSchemaCatalog?
        /// `--transaction-markers`: the markers' encoding (nil without the flag).
        var markers: (any TransactionMarkerEncoder)?
    }

    /// `name` is the source's logical name (Debezium's `source.name`); `saved` the Avro schemas a state holds.
    static func make(
        _ options: SinkOptions, name: String, mariadb: Bool, saved: [CDCCore.AvroSchemaRecord],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(CDCError) -> Format {
        switch options.format {
        case "json":
            return Format(encoder: JSONRecordEncoder(), markers: options.transactionMarkers ? JSONMarkerEncoder() : nil)
        case "debezium":
            return Format(
                encoder: DebeziumRecordEncoder(name: name),
                markers: options.transactionMarkers ? DebeziumMarkerEncoder() : nil)
        case "avro":
            if options.registryWritable && options.registryListen == nil {
                throw CDCError(.usage, "--registry-writable makes the --registry-listen registry writable: give both")
            }
            // Subjects are named after the topic the Kafka sink writes the table to (TopicNameStrategy).
            let template = try KafkaTopicTemplate(options.topic)
            let topic: @Sendable (String, String) -> String = { database, table in
                (try? template.topic(database: database, table: table)) ?? "\(database).\(table)"
            }
            if let url = options.schemaRegistryUrl {
                if options.registryListen != nil {
                    throw CDCError(
                        .usage,
                        "--registry-listen serves the embedded registry, --schema-registry-url replaces it: give one "
                            + "(consumers use the registry named by --schema-registry-url)")
                }
                let userInfo = try SchemaRegistryClient.resolveUserInfo(
                    file: options.schemaRegistryAuthFile, environment: environment)
                SecretFilePermissions.warn(options.schemaRegistryAuthFile, option: "--schema-registry-auth-file")
                let client = try SchemaRegistryClient(
                    url: url, userInfo: userInfo, retrySeconds: options.schemaRegistryTimeout, log: log)
                let remote = RemoteAvroRegistry(client: client, saved: saved, topic: topic, log: log)
                return Format(
                    encoder: AvroRecordEncoder(schemas: remote, mariadb: mariadb), schemas: remote,
                    markers: options.transactionMarkers ? try AvroMarkerEncoder(schemas: remote) : nil)
            }
            if options.schemaRegistryAuthFile != nil {
                throw CDCError(.usage, "--schema-registry-auth-file needs --schema-registry-url")
            }
            let catalog = try AvroSchemaCatalog(
                records: saved.filter { !RemoteAvroRegistry.isRemote($0.subject) }, topic: topic)
            return Format(
                encoder: AvroRecordEncoder(catalog: catalog, mariadb: mariadb), schemas: catalog, catalog: catalog,
                markers: options.transactionMarkers ? try AvroMarkerEncoder(schemas: catalog) : nil)
        default:
            throw CDCError(.usage, "--format \(options.format): use json, debezium or avro")
        }
    }
}
