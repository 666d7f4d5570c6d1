import BinlogDecoder
import CDCCore

/// Wraps the Avro encoder so that schemas registered while preparing a table (with the embedded catalog or a remote
/// registry) are saved in the state store before any record encoded with their ids leaves (`prepare` runs on the
/// pipeline's thread, like checkpoints).
struct PersistingEncoder: RecordEncoder, @unchecked Sendable {
    let inner: any RecordEncoder
    let schemas: any AvroSchemaSource
    /// Used only on the pipeline's thread.
    let keeper: StateKeeper

    var separator: [UInt8] { inner.separator }

    func prepare(_ table: TableRenderInfo) throws(CDCError) {
        try inner.prepare(table)
        try keeper.saveAvroSchemas(schemas.takeNew())
    }

    func appendValue(
        _ operation: RecordRenderer.Operation, table: TableRenderInfo, before: [ColumnValue]?,
        after: [ColumnValue]?, bytes: [UInt8], side: [UInt8], source: RecordRenderer.Source,
        into out: inout OutputBuffer
    ) throws(DecodeError) {
        try inner.appendValue(
            operation, table: table, before: before, after: after, bytes: bytes, side: side, source: source, into: &out)
    }

    func appendKey(
        table: TableRenderInfo, image: [ColumnValue], bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError) {
        try inner.appendKey(table: table, image: image, bytes: bytes, side: side, into: &out)
    }
}
