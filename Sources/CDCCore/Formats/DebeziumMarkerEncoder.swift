/// Transaction markers as Debezium writes its transaction metadata events (JsonConverter, `schemas.enable=false`):
/// `{"status":"BEGIN","id":"0-1-42","event_count":null,"data_collections":null,"ts_ms":1700000000000}` and
/// `{"status":"END","id":"0-1-42","event_count":2,"data_collections":[{"data_collection":"shop.orders",
/// "event_count":2}],"ts_ms":…}`; keys `{"id":"0-1-42"}`. The id is the GTID, else `file:pos` of the transaction's
/// first event. Change records get Debezium's `transaction` block:
/// `"transaction":{"id":"0-1-42","total_order":1,"data_collection_order":1}`.
public struct DebeziumMarkerEncoder: TransactionMarkerEncoder {
    public init() {}

    public func appendMarker(_ marker: TransactionMarkerRecord, into out: inout OutputBuffer) {
        switch marker.status {
        case .begin: JSONOutput.appendLiteral("{\"status\":\"BEGIN\",\"id\":", into: &out)
        case .end: JSONOutput.appendLiteral("{\"status\":\"END\",\"id\":", into: &out)
        }
        JSONString.append(marker.id, into: &out)
        if marker.status == .end {
            JSONOutput.appendLiteral(",\"event_count\":", into: &out)
            JSONOutput.append(marker.eventCount, into: &out)
            JSONOutput.appendLiteral(",\"data_collections\":", into: &out)
            JSONMarkerEncoder.appendDataCollections(marker.dataCollections, into: &out)
        } else {
            JSONOutput.appendLiteral(",\"event_count\":null,\"data_collections\":null", into: &out)
        }
        JSONOutput.appendLiteral(",\"ts_ms\":", into: &out)
        JSONOutput.append(UInt64(marker.timestamp) * 1000, into: &out)
        out.append(125)
    }

    public func appendMarkerKey(_ marker: TransactionMarkerRecord, into out: inout OutputBuffer) {
        JSONMarkerEncoder().appendMarkerKey(marker, into: &out)
    }

    public var annotatesRecords: Bool { true }

    public func appendAnnotated(
        _ record: ArraySlice<UInt8>, id: String, totalOrder: UInt64, tableOrder: UInt64, into out: inout OutputBuffer
    ) {
        // The envelope is one object: the block goes before its closing brace.
        guard record.last == 125 else {
            out.append(contentsOf: record)
            return
        }
        out.append(contentsOf: record.dropLast())
        JSONOutput.appendLiteral(",\"transaction\":{\"id\":", into: &out)
        JSONString.append(id, into: &out)
        JSONOutput.appendLiteral(",\"total_order\":", into: &out)
        JSONOutput.append(totalOrder, into: &out)
        JSONOutput.appendLiteral(",\"data_collection_order\":", into: &out)
        JSONOutput.append(tableOrder, into: &out)
        JSONOutput.appendLiteral("}}", into: &out)
    }
}
