import CDCCore

/// One change record of a hand-built batch, with what Kafka should show for it.
struct TestRecord {
    var database: String
    var table: String
    var primaryKey: [String] = ["id"]
    var operation: RecordRenderer.Operation
    var value: String
    var key: String
    var file: String = "mysql-bin.000001"
    var position: UInt64
    var row: Int = 0
    var gtid: String?

    var dedupKey: String { "\(file):\(position):\(row)" }

    /// Records as the pipeline lays them out: values back to back, each followed by the separator, keys back to
    /// back, tables and origins listed once.
    static func batch(_ records: [TestRecord], separator: [UInt8] = [10]) -> RecordBatch {
        let batch = RecordBatch()
        for record in records {
            let table = RecordBatch.Table(
                database: record.database, table: record.table, primaryKey: record.primaryKey)
            let tableIndex = batch.tables.firstIndex(of: table) ?? batch.tables.count
            if tableIndex == batch.tables.count { batch.tables.append(table) }
            let origin = RecordBatch.Origin(file: record.file, gtid: record.gtid)
            let originIndex = batch.origins.firstIndex(of: origin) ?? batch.origins.count
            if originIndex == batch.origins.count { batch.origins.append(origin) }
            let valueStart = batch.values.count
            batch.values.append(contentsOf: Array(record.value.utf8))
            let valueEnd = batch.values.count
            batch.values.append(contentsOf: separator)
            let keyStart = batch.keys.count
            batch.keys.append(contentsOf: Array(record.key.utf8))
            batch.records.append(
                RecordBatch.Record(
                    value: valueStart..<valueEnd, key: keyStart..<batch.keys.count, table: tableIndex,
                    operation: record.operation, origin: originIndex, position: record.position, row: record.row))
        }
        return batch
    }
}
