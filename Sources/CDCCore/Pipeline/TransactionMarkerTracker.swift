/// `--transaction-markers`: puts a BEGIN marker record before the first record of each source transaction and an END
/// marker after its last, as batches are handed to the sink (on the pipeline's thread, in binlog order).
///
/// Only transactions with at least one captured record get markers. A transaction spans batches: its state is kept
/// here between them. A resumed run skips the records of its first transaction delivered before the restart; they
/// still count (END's `event_count`, `data_collections`, Debezium's `total_order`), and BEGIN is written again before
/// the first record after the skipped ones (or before END when every record was skipped): at-least-once.
final class TransactionMarkerTracker {
    private struct Open {
        var start: SchemaPosition
        var gtid: String?
        var timestamp: UInt32
        var id: String
        var count: UInt64 = 0
        var begun = false
        /// `db.table` → index into `collections`.
        var slots: [String: Int] = [:]
        var collections: [TransactionMarkerRecord.DataCollection] = []
    }

    let encoder: any TransactionMarkerEncoder
    let separator: [UInt8]
    private var open: Open?
    private var scratch = OutputBuffer(capacity: 256)

    init(encoder: any TransactionMarkerEncoder, separator: [UInt8]) {
        self.encoder = encoder
        self.separator = separator
    }

    /// The batch for the sink: `records` (rendered in `values`/`keys`) minus the first `drop` (delivered before a
    /// restart), with markers inserted at the transaction boundaries (`before`: how many of `records` precede it),
    /// and the commits of the transactions that end in it.
    func batch(
        records: [RecordBatch.Record], values: [UInt8], keys: [UInt8], tables: [RecordBatch.Table],
        origins: [RecordBatch.Origin], drop: Int, boundaries: [(before: Int, marker: TransactionMarker)]
    ) -> RecordBatch {
        var outValues = OutputBuffer(capacity: values.count + 256 * (boundaries.count + 1))
        var outKeys = keys
        var outRecords: [RecordBatch.Record] = []
        outRecords.reserveCapacity(records.count - drop + boundaries.count + 2)
        var outTables = tables
        var outOrigins = origins
        var commits: [RecordBatch.Commit] = []
        let markerTable = outTables.count
        outTables.append(
            RecordBatch.Table(
                database: TransactionMarkerRecord.database, table: TransactionMarkerRecord.table, primaryKey: ["id"]))
        // Per batch table: its slot in the open transaction's collections (-1: not looked up since it began).
        var slots = [Int](repeating: -1, count: tables.count)

        func emit(_ marker: TransactionMarkerRecord) {
            let origin = RecordBatch.Origin(file: marker.start.file, gtid: marker.gtid)
            if outOrigins.last != origin { outOrigins.append(origin) }
            let valueStart = outValues.count
            encoder.appendMarker(marker, into: &outValues)
            let valueEnd = outValues.count
            outValues.append(contentsOf: separator)
            scratch.removeAll()
            encoder.appendMarkerKey(marker, into: &scratch)
            let keyStart = outKeys.count
            outKeys.append(contentsOf: scratch.bytes)
            outRecords.append(
                RecordBatch.Record(
                    value: valueStart..<valueEnd, key: keyStart..<outKeys.count, table: markerTable,
                    operation: .insert, origin: outOrigins.count - 1, position: marker.start.offset, row: 0,
                    marker: marker.status))
        }
        func beginIfNeeded() {
            guard var current = open, !current.begun else { return }
            current.begun = true
            open = current
            emit(
                TransactionMarkerRecord(
                    status: .begin, gtid: current.gtid, start: current.start, timestamp: current.timestamp))
        }

        var nextBoundary = 0
        for index in 0...records.count {
            while nextBoundary < boundaries.count, boundaries[nextBoundary].before <= index {
                for table in slots.indices { slots[table] = -1 }
                switch boundaries[nextBoundary].marker {
                case .begin(let start, let gtid, let timestamp):
                    open = Open(
                        start: start, gtid: gtid, timestamp: timestamp,
                        id: gtid ?? "\(start.file):\(start.offset)")
                case .commit(let next, let gtid, let timestamp):
                    if let current = open, current.count > 0 {
                        beginIfNeeded()
                        emit(
                            TransactionMarkerRecord(
                                status: .end, gtid: current.gtid ?? gtid, start: current.start, next: next,
                                timestamp: timestamp, eventCount: current.count,
                                dataCollections: current.collections))
                    }
                    open = nil
                    commits.append(RecordBatch.Commit(recordsBefore: outRecords.count, next: next, gtid: gtid))
                }
                nextBoundary += 1
            }
            guard index < records.count else { break }
            var record = records[index]
            if open == nil {
                // Records with no transaction start before them (a stream started inside one): it starts here.
                let origin = origins[record.origin]
                let start = SchemaPosition(file: origin.file, offset: record.position)
                open = Open(
                    start: start, gtid: origin.gtid, timestamp: 0, id: origin.gtid ?? "\(start.file):\(start.offset)")
                for table in slots.indices { slots[table] = -1 }
            }
            // Taken out while counting, so its arrays are not copied on write.
            var current = open ?? Open(start: SchemaPosition(file: "", offset: 0), timestamp: 0, id: "")
            open = nil
            current.count += 1
            var slot = slots[record.table]
            if slot >= 0 {
                current.collections[slot].eventCount += 1
            } else {
                let name = tables[record.table].database + "." + tables[record.table].table
                if let known = current.slots[name] {
                    slot = known
                    current.collections[slot].eventCount += 1
                } else {
                    slot = current.collections.count
                    current.slots[name] = slot
                    current.collections.append(TransactionMarkerRecord.DataCollection(name: name, eventCount: 1))
                }
                slots[record.table] = slot
            }
            open = current
            guard index >= drop else { continue }
            beginIfNeeded()
            let valueStart = outValues.count
            let bytes = values[record.value]
            if encoder.annotatesRecords {
                encoder.appendAnnotated(
                    bytes, id: current.id, totalOrder: current.count,
                    tableOrder: current.collections[slot].eventCount, into: &outValues)
            } else {
                outValues.append(contentsOf: bytes)
            }
            record.value = valueStart..<outValues.count
            outValues.append(contentsOf: separator)
            outRecords.append(record)
        }
        return RecordBatch(
            values: outValues.moveToArray(), keys: outKeys, records: outRecords, tables: outTables, origins: outOrigins,
            commits: commits)
    }
}
