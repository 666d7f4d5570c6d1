/// Turns transaction markers into bytes in one output format (`--transaction-markers`); each format's marker
/// encoder sits beside its record encoder. Used on the pipeline's thread.
public protocol TransactionMarkerEncoder: Sendable {
    /// Appends the marker record (without the format's separator).
    func appendMarker(_ marker: TransactionMarkerRecord, into out: inout OutputBuffer)

    /// Appends the marker's message key (Debezium's `{"id":…}`).
    func appendMarkerKey(_ marker: TransactionMarkerRecord, into out: inout OutputBuffer)

    /// Whether each change record gets the transaction's position in it (Debezium's `transaction` block).
    var annotatesRecords: Bool { get }

    /// Appends `record` (an encoded change record) with its transaction block: `totalOrder` is the record's 1-based
    /// place in the transaction, `tableOrder` among the transaction's records of its table.
    func appendAnnotated(
        _ record: ArraySlice<UInt8>, id: String, totalOrder: UInt64, tableOrder: UInt64, into out: inout OutputBuffer)
}

extension TransactionMarkerEncoder {
    public var annotatesRecords: Bool { false }

    public func appendAnnotated(
        _ record: ArraySlice<UInt8>, id: String, totalOrder: UInt64, tableOrder: UInt64, into out: inout OutputBuffer
    ) {
        out.append(contentsOf: record)
    }
}
