import BinlogDecoder

/// Turns one decoded row change into bytes in one output format (`--format json|debezium|avro`).
///
/// Encoders run on the pipeline's render threads: they must be value types or otherwise safe to use from several
/// threads at once. Per-table state an encoder needs (an Avro schema id, …) is prepared once per table version on
/// the pipeline's own thread by `prepare` and stored in `TableRenderInfo.encoding`.
public protocol RecordEncoder: Sendable {
    /// The bytes written after each record in `RecordBatch.values` ("\n" for JSON Lines formats, empty for binary
    /// formats). A format with a separator can be written to line sinks (stdout, files) as it is.
    var separator: [UInt8] { get }

    /// Called on the pipeline's thread when a table version is first seen, before any of its rows are encoded.
    func prepare(_ table: TableRenderInfo) throws(CDCError)

    /// Appends one record (without the separator).
    func appendValue(
        _ operation: RecordRenderer.Operation, table: TableRenderInfo, before: [ColumnValue]?,
        after: [ColumnValue]?, bytes: [UInt8], side: [UInt8], source: RecordRenderer.Source,
        into out: inout OutputBuffer
    ) throws(DecodeError)

    /// Appends the message key of a row image: its primary-key columns, or every column when the table has no
    /// primary key.
    func appendKey(
        table: TableRenderInfo, image: [ColumnValue], bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError)
}

/// Per-table-version state of an encoder, attached to `TableRenderInfo.encoding` by `RecordEncoder.prepare`.
public protocol TableEncoding: Sendable {}
