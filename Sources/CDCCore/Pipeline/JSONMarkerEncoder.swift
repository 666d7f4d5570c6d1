/// Transaction markers in the native record format (docs/record-format.md):
///
/// `{"op":"begin","id":"0-1-42","gtid":"0-1-42","file":"mysql-bin.000001","pos":1234,"ts":1700000000,
/// "key":"mysql-bin.000001:1234:begin"}` and, after the transaction's last record,
/// `{"op":"end",…,"next":{"file":…,"pos":…},"ts":…,"event_count":3,"data_collections":[{"data_collection":
/// "shop.orders","event_count":3}],"key":"mysql-bin.000001:1234:end"}`. Keys are `{"id":"0-1-42"}`.
public struct JSONMarkerEncoder: TransactionMarkerEncoder {
    public init() {}

    public func appendMarker(_ marker: TransactionMarkerRecord, into out: inout OutputBuffer) {
        switch marker.status {
        case .begin: JSONOutput.appendLiteral("{\"op\":\"begin\",\"id\":", into: &out)
        case .end: JSONOutput.appendLiteral("{\"op\":\"end\",\"id\":", into: &out)
        }
        JSONString.append(marker.id, into: &out)
        JSONOutput.appendLiteral(",\"gtid\":", into: &out)
        if let gtid = marker.gtid {
            JSONString.append(gtid, into: &out)
        } else {
            JSONOutput.appendLiteral("null", into: &out)
        }
        JSONOutput.appendLiteral(",\"file\":", into: &out)
        JSONString.append(marker.start.file, into: &out)
        JSONOutput.appendLiteral(",\"pos\":", into: &out)
        JSONOutput.append(marker.start.offset, into: &out)
        if marker.status == .end, let next = marker.next {
            JSONOutput.appendLiteral(",\"next\":{\"file\":", into: &out)
            JSONString.append(next.file, into: &out)
            JSONOutput.appendLiteral(",\"pos\":", into: &out)
            JSONOutput.append(next.offset, into: &out)
            out.append(125)
        }
        JSONOutput.appendLiteral(",\"ts\":", into: &out)
        JSONOutput.append(UInt64(marker.timestamp), into: &out)
        if marker.status == .end {
            JSONOutput.appendLiteral(",\"event_count\":", into: &out)
            JSONOutput.append(marker.eventCount, into: &out)
            JSONOutput.appendLiteral(",\"data_collections\":", into: &out)
            Self.appendDataCollections(marker.dataCollections, into: &out)
        }
        JSONOutput.appendLiteral(",\"key\":", into: &out)
        JSONString.append(
            "\(marker.start.file):\(marker.start.offset):\(marker.status == .begin ? "begin" : "end")", into: &out)
        out.append(125)
    }

    public func appendMarkerKey(_ marker: TransactionMarkerRecord, into out: inout OutputBuffer) {
        JSONOutput.appendLiteral("{\"id\":", into: &out)
        JSONString.append(marker.id, into: &out)
        out.append(125)
    }

    /// `[{"data_collection":"db.table","event_count":n},…]`, as Debezium writes it.
    static func appendDataCollections(
        _ collections: [TransactionMarkerRecord.DataCollection], into out: inout OutputBuffer
    ) {
        out.append(91)
        for (index, collection) in collections.enumerated() {
            if index > 0 { out.append(44) }
            JSONOutput.appendLiteral("{\"data_collection\":", into: &out)
            JSONString.append(collection.name, into: &out)
            JSONOutput.appendLiteral(",\"event_count\":", into: &out)
            JSONOutput.append(collection.eventCount, into: &out)
            out.append(125)
        }
        out.append(93)
    }
}
