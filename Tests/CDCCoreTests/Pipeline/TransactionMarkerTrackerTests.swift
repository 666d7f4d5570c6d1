import Foundation
import Testing

@testable import CDCCore

/// Markers inserted by the hand-over stage: around each transaction with records, across batches, after a resume
/// that skips records (END still counts them, BEGIN is written again), none for a transaction without records; the
/// batch stays one contiguous run of lines and its commits point after the END.
@Suite struct TransactionMarkerTrackerTests {
    static let tables = [
        RecordBatch.Table(database: "d", table: "a", primaryKey: ["id"]),
        RecordBatch.Table(database: "d", table: "b", primaryKey: ["id"]),
    ]
    static let origins = [RecordBatch.Origin(file: "bin.000001", gtid: "0-1-5")]
    static let start = SchemaPosition(file: "bin.000001", offset: 100)
    static let next = SchemaPosition(file: "bin.000001", offset: 900)

    /// Records `{"n":first…}` of the given tables, rendered as a pool renders them (value, then "\n").
    static func rendered(_ tables: [Int], first: Int) -> (records: [RecordBatch.Record], values: [UInt8]) {
        var values: [UInt8] = []
        var records: [RecordBatch.Record] = []
        for (index, table) in tables.enumerated() {
            let start = values.count
            values += Array("{\"n\":\(first + index)}".utf8)
            records.append(
                RecordBatch.Record(
                    value: start..<values.count, key: 0..<0, table: table, operation: .insert, origin: 0,
                    position: 200 + UInt64(first + index), row: 0))
            values.append(10)
        }
        return (records, values)
    }

    /// The lines of a batch as its records say (parsed), checking that they are also the batch's bytes in order.
    static func lines(_ batch: RecordBatch) throws -> [[String: Any]] {
        var joined: [UInt8] = []
        for record in batch.records { joined += batch.values[record.value] + [10] }
        #expect(joined == batch.values, "the batch's values are its records' lines, in order")
        return try batch.records.map { record in
            let object = try JSONSerialization.jsonObject(with: Data(batch.values[record.value]))
            return object as? [String: Any] ?? [:]
        }
    }

    func tracker() -> TransactionMarkerTracker {
        TransactionMarkerTracker(encoder: JSONMarkerEncoder(), separator: [10])
    }

    @Test func transactionAcrossBatches() throws {
        let markers = tracker()
        let first = Self.rendered([0, 1, 0], first: 0)
        let batch1 = markers.batch(
            records: first.records, values: first.values, keys: [], tables: Self.tables, origins: Self.origins,
            drop: 0, boundaries: [(0, .begin(Self.start, gtid: "0-1-5", timestamp: 7))])
        let lines1 = try Self.lines(batch1)
        #expect(lines1.map { $0["op"] as? String ?? "record" } == ["begin", "record", "record", "record"])
        #expect(
            lines1[0]["id"] as? String == "0-1-5" && lines1[0]["pos"] as? Int == 100 && lines1[0]["ts"] as? Int == 7)
        #expect(lines1[0]["key"] as? String == "bin.000001:100:begin")
        #expect(batch1.records[0].marker == .begin && batch1.commits.isEmpty)
        #expect(batch1.tables[batch1.records[0].table].database == "binlog_sink")
        #expect(batch1.dedupKey(batch1.records[0]) == "bin.000001:100:begin")

        let second = Self.rendered([1, 1], first: 3)
        let batch2 = markers.batch(
            records: second.records, values: second.values, keys: [], tables: Self.tables, origins: Self.origins,
            drop: 0, boundaries: [(2, .commit(next: Self.next, gtid: "0-1-5", timestamp: 9))])
        let lines2 = try Self.lines(batch2)
        #expect(lines2.map { $0["op"] as? String ?? "record" } == ["record", "record", "end"])
        let end = lines2[2]
        #expect(end["event_count"] as? Int == 5 && end["ts"] as? Int == 9)
        let collections = (end["data_collections"] as? [[String: Any]] ?? []).map {
            "\($0["data_collection"] ?? "?")=\($0["event_count"] ?? "?")"
        }
        #expect(collections == ["d.a=2", "d.b=3"])
        #expect((end["next"] as? [String: Any])?["pos"] as? Int == 900)
        #expect(batch2.commits == [RecordBatch.Commit(recordsBefore: 3, next: Self.next, gtid: "0-1-5")])
        let key = batch2.keys[batch2.records[2].key]
        #expect(String(decoding: key, as: UTF8.self) == "{\"id\":\"0-1-5\"}")
    }

    /// A resumed run skips the first 3 of 5 records: BEGIN again before the 4th, END counts all 5.
    @Test func resumedInsideTransaction() throws {
        let rendered = Self.rendered([0, 0, 1, 1, 0], first: 0)
        let batch = tracker().batch(
            records: rendered.records, values: rendered.values, keys: [], tables: Self.tables, origins: Self.origins,
            drop: 3,
            boundaries: [
                (0, .begin(Self.start, gtid: "0-1-5", timestamp: 7)),
                (5, .commit(next: Self.next, gtid: "0-1-5", timestamp: 9)),
            ])
        let lines = try Self.lines(batch)
        #expect(lines.map { $0["op"] as? String ?? "\($0["n"] ?? "?")" } == ["begin", "3", "4", "end"])
        #expect(lines[3]["event_count"] as? Int == 5)
        #expect(batch.commits.map(\.recordsBefore) == [4])
    }

    /// Every record was delivered before the restart: BEGIN and END are still written (at-least-once).
    @Test func resumedAfterEveryRecord() throws {
        let rendered = Self.rendered([0, 1], first: 0)
        let batch = tracker().batch(
            records: rendered.records, values: rendered.values, keys: [], tables: Self.tables, origins: Self.origins,
            drop: 2,
            boundaries: [
                (0, .begin(Self.start, gtid: nil, timestamp: 7)),
                (2, .commit(next: Self.next, gtid: nil, timestamp: 9)),
            ])
        let lines = try Self.lines(batch)
        #expect(lines.map { $0["op"] as? String ?? "record" } == ["begin", "end"])
        #expect(lines[1]["event_count"] as? Int == 2)
        // No GTID: the id is the first event's position.
        #expect(lines[1]["id"] as? String == "bin.000001:100" && lines[1]["gtid"] is NSNull)
    }

    /// Transactions without a captured record (DDL, filtered tables) get no markers; their commits still count.
    @Test func transactionWithoutRecords() throws {
        let rendered = Self.rendered([1], first: 0)
        let later = SchemaPosition(file: "bin.000001", offset: 1200)
        let batch = tracker().batch(
            records: rendered.records, values: rendered.values, keys: [], tables: Self.tables, origins: Self.origins,
            drop: 0,
            boundaries: [
                (0, .begin(Self.start, gtid: "0-1-5", timestamp: 7)),
                (0, .commit(next: Self.next, gtid: "0-1-5", timestamp: 7)),
                (0, .begin(Self.next, gtid: "0-1-6", timestamp: 8)),
                (1, .commit(next: later, gtid: "0-1-6", timestamp: 8)),
            ])
        let lines = try Self.lines(batch)
        #expect(lines.map { $0["op"] as? String ?? "record" } == ["begin", "record", "end"])
        #expect(lines[0]["id"] as? String == "0-1-6" && lines[2]["event_count"] as? Int == 1)
        #expect(batch.commits.map(\.recordsBefore) == [0, 3])
    }

    /// Debezium: records get the `transaction` block, BEGIN/END have Debezium's shape.
    @Test func debeziumBlocks() throws {
        let rendered = Self.rendered([0, 1, 0], first: 0)
        let batch = TransactionMarkerTracker(encoder: DebeziumMarkerEncoder(), separator: [10]).batch(
            records: rendered.records, values: rendered.values, keys: [], tables: Self.tables, origins: Self.origins,
            drop: 0,
            boundaries: [
                (0, .begin(Self.start, gtid: "0-1-5", timestamp: 7)),
                (3, .commit(next: Self.next, gtid: "0-1-5", timestamp: 9)),
            ])
        let text = batch.records.map { String(decoding: batch.values[$0.value], as: UTF8.self) }
        #expect(
            text == [
                "{\"status\":\"BEGIN\",\"id\":\"0-1-5\",\"event_count\":null,\"data_collections\":null,\"ts_ms\":7000}",
                "{\"n\":0,\"transaction\":{\"id\":\"0-1-5\",\"total_order\":1,\"data_collection_order\":1}}",
                "{\"n\":1,\"transaction\":{\"id\":\"0-1-5\",\"total_order\":2,\"data_collection_order\":1}}",
                "{\"n\":2,\"transaction\":{\"id\":\"0-1-5\",\"total_order\":3,\"data_collection_order\":2}}",
                "{\"status\":\"END\",\"id\":\"0-1-5\",\"event_count\":3,\"data_collections\":[{\"data_collection\":"
                    + "\"d.a\",\"event_count\":2},{\"data_collection\":\"d.b\",\"event_count\":1}],\"ts_ms\":9000}",
            ])
    }

    /// Avro: the marker schemas are registered under the pseudo-table's subjects; a BEGIN is the Confluent header
    /// plus the fields in schema order.
    @Test func avroMarkers() throws {
        let catalog = try AvroSchemaCatalog()
        let encoder = try AvroMarkerEncoder(schemas: catalog)
        #expect(catalog.subjects == ["binlog_sink.transactions-key", "binlog_sink.transactions-value"])
        #expect(catalog.schema(id: encoder.valueID) == AvroMarkerEncoder.valueSchema.json)
        var out = OutputBuffer(capacity: 64)
        encoder.appendMarker(
            TransactionMarkerRecord(status: .begin, gtid: "0-1-5", start: Self.start, timestamp: 7), into: &out)
        var expected: [UInt8] = [0, 0, 0, 0, UInt8(encoder.valueID)]
        expected += [10] + Array("BEGIN".utf8) + [10] + Array("0-1-5".utf8)  // status, id
        expected += [2, 10] + Array("0-1-5".utf8)  // gtid: union branch 1
        expected += [20] + Array("bin.000001".utf8) + [0xc8, 0x01]  // file, pos 100
        expected += [0, 0]  // next_file, next_pos: null
        expected += [0xb0, 0x6d]  // ts_ms 7000
        expected += [0, 0]  // event_count, data_collections: null
        #expect(out.array == expected)
        var end = OutputBuffer(capacity: 64)
        encoder.appendMarker(
            TransactionMarkerRecord(
                status: .end, gtid: nil, start: Self.start, next: Self.next, timestamp: 0, eventCount: 2,
                dataCollections: [.init(name: "d.a", eventCount: 2)]), into: &end)
        // …, event_count 2, one block of one item {"d.a", 2}, then the end of the array.
        #expect(Array(end.array.suffix(10)) == [2, 4, 2, 2, 6, 100, 46, 97, 4, 0])
    }
}
