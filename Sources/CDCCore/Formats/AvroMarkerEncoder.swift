/// Transaction markers in Avro (Confluent wire format): one fixed schema, registered like a table's under the
/// markers' pseudo-table subjects (`<topic of binlog_sink.transactions>-value` and `-key`), docs/avro.md.
///
/// Value record `binlog_sink.TransactionMarker`: `status` ("BEGIN"/"END"), `id`, `gtid` (null or string), `file`,
/// `pos` (the transaction's first event), `next_file`/`next_pos` (END: after the commit, else null), `ts_ms`,
/// `event_count` and `data_collections` (END, else null; array of `{data_collection, event_count}`). Key record
/// `binlog_sink.TransactionKey` `{id}`.
public struct AvroMarkerEncoder: TransactionMarkerEncoder {
    public let keyID: Int32
    public let valueID: Int32

    /// Registers the marker schemas with `schemas` (the embedded catalog or a remote registry; the caller persists
    /// `schemas.takeNew()` as for tables).
    public init(schemas: any AvroSchemaSource) throws(CDCError) {
        let topic = schemas.topic(database: TransactionMarkerRecord.database, table: TransactionMarkerRecord.table)
        keyID = try schemas.register(Self.keySchema, subject: topic + "-key").id
        valueID = try schemas.register(Self.valueSchema, subject: topic + "-value").id
    }

    public static let keySchema = AvroType.record(
        AvroRecord(name: "TransactionKey", namespace: "binlog_sink", fields: [AvroField(name: "id", type: .string)]))

    public static let valueSchema = AvroType.record(
        AvroRecord(
            name: "TransactionMarker", namespace: "binlog_sink",
            fields: [
                AvroField(name: "status", type: .string),
                AvroField(name: "id", type: .string),
                AvroField(name: "gtid", type: .union([.null, .string]), defaultNull: true),
                AvroField(name: "file", type: .string),
                AvroField(name: "pos", type: .long),
                AvroField(name: "next_file", type: .union([.null, .string]), defaultNull: true),
                AvroField(name: "next_pos", type: .union([.null, .long]), defaultNull: true),
                AvroField(name: "ts_ms", type: .long),
                AvroField(name: "event_count", type: .union([.null, .long]), defaultNull: true),
                AvroField(
                    name: "data_collections",
                    type: .union([
                        .null,
                        .array(
                            .record(
                                AvroRecord(
                                    name: "DataCollection", namespace: "binlog_sink",
                                    fields: [
                                        AvroField(name: "data_collection", type: .string),
                                        AvroField(name: "event_count", type: .long),
                                    ]))),
                    ]), defaultNull: true),
            ]))

    public func appendMarker(_ marker: TransactionMarkerRecord, into out: inout OutputBuffer) {
        AvroBinaryWriter.appendConfluentHeader(schemaID: valueID, into: &out)
        AvroBinaryWriter.appendString(marker.status == .begin ? "BEGIN" : "END", into: &out)
        AvroBinaryWriter.appendString(marker.id, into: &out)
        Self.appendOptional(marker.gtid, into: &out)
        AvroBinaryWriter.appendString(marker.start.file, into: &out)
        AvroBinaryWriter.appendLong(Int64(clamping: marker.start.offset), into: &out)
        let next = marker.status == .end ? marker.next : nil
        Self.appendOptional(next?.file, into: &out)
        if let next {
            AvroBinaryWriter.appendUnionIndex(1, into: &out)
            AvroBinaryWriter.appendLong(Int64(clamping: next.offset), into: &out)
        } else {
            AvroBinaryWriter.appendUnionIndex(0, into: &out)
        }
        AvroBinaryWriter.appendLong(Int64(marker.timestamp) * 1000, into: &out)
        if marker.status == .end {
            AvroBinaryWriter.appendUnionIndex(1, into: &out)
            AvroBinaryWriter.appendLong(Int64(clamping: marker.eventCount), into: &out)
            AvroBinaryWriter.appendUnionIndex(1, into: &out)
            // One block with every item, then the empty block that ends the array.
            if !marker.dataCollections.isEmpty {
                AvroBinaryWriter.appendLong(Int64(marker.dataCollections.count), into: &out)
                for collection in marker.dataCollections {
                    AvroBinaryWriter.appendString(collection.name, into: &out)
                    AvroBinaryWriter.appendLong(Int64(clamping: collection.eventCount), into: &out)
                }
            }
            AvroBinaryWriter.appendLong(0, into: &out)
        } else {
            AvroBinaryWriter.appendUnionIndex(0, into: &out)
            AvroBinaryWriter.appendUnionIndex(0, into: &out)
        }
    }

    public func appendMarkerKey(_ marker: TransactionMarkerRecord, into out: inout OutputBuffer) {
        AvroBinaryWriter.appendConfluentHeader(schemaID: keyID, into: &out)
        AvroBinaryWriter.appendString(marker.id, into: &out)
    }

    private static func appendOptional(_ text: String?, into out: inout OutputBuffer) {
        if let text {
            AvroBinaryWriter.appendUnionIndex(1, into: &out)
            AvroBinaryWriter.appendString(text, into: &out)
        } else {
            AvroBinaryWriter.appendUnionIndex(0, into: &out)
        }
    }
}
