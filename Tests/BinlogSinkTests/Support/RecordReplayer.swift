import Foundation

/// Replays row-change records into in-memory tables, the way a consumer applying the stream would.
///
/// - insert adds `after`;
/// - update finds the row equal to `before` and replaces it: columns present in `after` overwrite, columns absent
///   from `after` (MINIMAL/NOBLOB images) keep their old value;
/// - delete removes the row equal to `before`.
///
/// "Equal to `before`" means: when the table's primary key is known (`primaryKey(tableKey)` returns column names
/// that all appear in `before`), the row whose key columns equal `before`'s; otherwise the first row on which every
/// column of `before` is equal (a whole-row match under FULL images, a subset match under MINIMAL ones).
/// Tables are keyed `db.table`. Anything that does not apply cleanly (no matching row, duplicate key) is kept in
/// `anomalies` rather than thrown, so a test can report every problem at once.
struct RecordReplayer {
    struct Anomaly: CustomStringConvertible {
        var table: String
        var message: String
        var description: String { "\(table): \(message)" }
    }

    /// Rows per `db.table`, in insertion order.
    private(set) var tables: [String: [JSONObject]] = [:]
    private(set) var anomalies: [Anomaly] = []
    /// How many records were applied per `db.table`.
    private(set) var appliedCounts: [String: Int] = [:]

    /// Column names of the primary key of a `db.table`, or nil/empty when unknown.
    var primaryKey: (String) -> [String]?

    init(primaryKey: @escaping (String) -> [String]? = { _ in nil }) {
        self.primaryKey = primaryKey
    }

    func rows(_ tableKey: String) -> [JSONObject] { tables[tableKey] ?? [] }

    mutating func apply(_ records: [BinlogRecord]) {
        for record in records { apply(record) }
    }

    mutating func apply(_ record: BinlogRecord) {
        let tableKey = record.tableKey
        appliedCounts[tableKey, default: 0] += 1
        var rows = tables[tableKey] ?? []
        defer { tables[tableKey] = rows }
        switch record.op {
        case .insert, .read:
            guard let after = record.after else {
                note(tableKey, "\(record.op.rawValue) without after image at \(record.key)")
                return
            }
            if let key = keyColumns(tableKey, image: after),
                let existing = rows.firstIndex(where: { RecordReplayer.matches($0, after, on: key) })
            {
                note(
                    tableKey,
                    "\(record.op.rawValue) at \(record.key) duplicates key \(RecordReplayer.describe(after, key)); replacing the old row"
                )
                rows[existing] = after
            } else {
                rows.append(after)
            }
        case .update:
            guard let before = record.before, let after = record.after else {
                note(tableKey, "update without before/after at \(record.key)")
                return
            }
            guard let index = matchIndex(rows, before: before, tableKey: tableKey) else {
                note(
                    tableKey,
                    "update at \(record.key): no row matches before \(JSONValue.object(before).abbreviated()); inserting after"
                )
                rows.append(after)
                return
            }
            var updated = rows[index]
            for (column, value) in after.entries { updated[column] = value }
            rows[index] = updated
        case .delete:
            guard let before = record.before else {
                note(tableKey, "delete without before at \(record.key)")
                return
            }
            guard let index = matchIndex(rows, before: before, tableKey: tableKey) else {
                note(
                    tableKey, "delete at \(record.key): no row matches before \(JSONValue.object(before).abbreviated())"
                )
                return
            }
            rows.remove(at: index)
        }
    }

    /// TRUNCATE TABLE: the table is emptied without row events.
    mutating func truncate(_ tableKey: String) {
        if tables[tableKey] != nil { tables[tableKey] = [] }
    }

    /// DROP TABLE.
    mutating func drop(_ tableKey: String) {
        tables[tableKey] = nil
    }

    /// RENAME TABLE: the rows move to the new name.
    mutating func rename(_ oldKey: String, to newKey: String) {
        guard let rows = tables.removeValue(forKey: oldKey) else { return }
        if let existing = tables[newKey], !existing.isEmpty {
            note(newKey, "rename from \(oldKey) onto a table that already has \(existing.count) rows")
        }
        tables[newKey] = rows
    }

    private mutating func note(_ table: String, _ message: String) {
        anomalies.append(Anomaly(table: table, message: message))
    }

    private func keyColumns(_ tableKey: String, image: JSONObject) -> [String]? {
        guard let key = primaryKey(tableKey), !key.isEmpty, key.allSatisfy({ image.contains($0) }) else { return nil }
        return key
    }

    private func matchIndex(_ rows: [JSONObject], before: JSONObject, tableKey: String) -> Int? {
        let columns = keyColumns(tableKey, image: before) ?? before.keys
        return rows.firstIndex { RecordReplayer.matches($0, before, on: columns) }
    }

    private static func matches(_ row: JSONObject, _ image: JSONObject, on columns: [String]) -> Bool {
        columns.allSatisfy { column in
            guard let wanted = image[column], let have = row[column] else { return false }
            return wanted == have
        }
    }

    private static func describe(_ image: JSONObject, _ columns: [String]) -> String {
        columns.map { "\($0)=\(image[$0]?.abbreviated(60) ?? "?")" }.joined(separator: ",")
    }
}
