import CDCCore

/// Builds a `RecordBatch` by hand, records written as the JSON encoder writes them (docs/record-format.md).
struct TestBatch {
    let batch = RecordBatch()
    var file = "mysql-bin.000001"

    /// Adds a table; returns its index.
    mutating func table(_ database: String, _ name: String, primaryKey: [String]) -> Int {
        batch.tables.append(RecordBatch.Table(database: database, table: name, primaryKey: primaryKey))
        return batch.tables.count - 1
    }

    /// Adds one record. `before` / `after` are JSON objects (or nil for `null`); `key` the key object.
    mutating func add(
        _ operation: RecordRenderer.Operation, table: Int, before: String? = nil, after: String? = nil,
        key: String = "", pos: UInt64, row: Int = 0, gtid: String? = nil
    ) {
        let origin = originIndex(gtid: gtid)
        let info = batch.tables[table]
        let op: String
        switch operation {
        case .insert: op = "insert"
        case .update: op = "update"
        case .delete: op = "delete"
        case .read: op = "read"
        }
        let gtidJSON = gtid.map { "\"\($0)\"" } ?? "null"
        let text =
            "{\"op\":\"\(op)\",\"db\":\"\(info.database)\",\"table\":\"\(info.table)\",\"before\":\(before ?? "null"),"
            + "\"after\":\(after ?? "null"),\"source\":{\"server_id\":1,\"file\":\"\(file)\",\"pos\":\(pos),"
            + "\"row\":\(row),\"gtid\":\(gtidJSON),\"ts\":1700000000},\"key\":\"\(file):\(pos):\(row)\"}"
        let valueStart = batch.values.count
        batch.values.append(contentsOf: Array(text.utf8))
        let valueEnd = batch.values.count
        batch.values.append(10)
        let keyStart = batch.keys.count
        batch.keys.append(contentsOf: Array(key.utf8))
        batch.records.append(
            RecordBatch.Record(
                value: valueStart..<valueEnd, key: keyStart..<batch.keys.count, table: table, operation: operation,
                origin: origin, position: pos, row: row))
    }

    /// Ends the source transaction after the records added so far.
    mutating func commit(next: UInt64, gtid: String? = nil) {
        batch.commits.append(
            RecordBatch.Commit(
                recordsBefore: batch.records.count, next: SchemaPosition(file: file, offset: next), gtid: gtid))
    }

    private func originIndex(gtid: String?) -> Int {
        let origin = RecordBatch.Origin(file: file, gtid: gtid)
        if let index = batch.origins.firstIndex(of: origin) { return index }
        batch.origins.append(origin)
        return batch.origins.count - 1
    }
}
