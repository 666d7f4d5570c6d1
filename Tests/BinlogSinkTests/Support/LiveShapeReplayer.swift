/// Replays records of tables whose columns change mid-stream, strictly: every row image must have exactly the
/// columns the table has at the record's stage (in table order, real names), rows are matched by primary key, and an
/// update's or delete's `before` must equal the replayed row on every column the two share (all of them while the
/// shape is unchanged; after an ALTER the surviving ones). An update replaces the whole row with `after` (FULL row
/// images), so no column of an older shape lingers.
struct LiveShapeReplayer {
    /// Rows per table name, by primary-key text.
    private(set) var tables: [String: [String: JSONObject]] = [:]
    private(set) var problems: [String] = []

    func rows(_ table: String) -> [JSONObject] { Array((tables[table] ?? [:]).values) }

    mutating func apply(_ effect: LiveStage.Effect) {
        switch effect {
        case .rename(let from, let to):
            tables[to] = tables.removeValue(forKey: from)
        case .truncate(let table):
            tables[table] = [:]
        }
    }

    /// Applies `record`, whose table has the shape `shape` at the record's position (nil: the table should have no
    /// records there).
    mutating func apply(_ record: BinlogRecord, shape: LiveTable?, stage: String) {
        guard let shape else {
            problems.append("\(record.key) (stage \(stage)): a record of \(record.table), which has no rows here")
            return
        }
        let names = shape.columns.map(\.name)
        for (side, image) in [("before", record.before), ("after", record.after)] {
            guard let image else { continue }
            if image.keys.contains(where: { $0.hasPrefix("@") }) {
                problems.append(
                    "\(record.key) (stage \(stage)) \(record.op.rawValue) \(record.table): \(side) has ordinal names "
                        + "\(image.keys), the table's columns are \(names)")
            } else if image.keys != names {
                problems.append(
                    "\(record.key) (stage \(stage)) \(record.op.rawValue) \(record.table): \(side) columns "
                        + "\(image.keys), the table's columns at this position are \(names)")
            }
        }
        var rows = tables[record.table] ?? [:]
        defer { tables[record.table] = rows }
        func key(_ image: JSONObject) -> String {
            shape.primaryKey.map { image[$0]?.description ?? "∅" }.joined(separator: "|")
        }
        switch record.op {
        case .insert, .read:
            guard let after = record.after else { return }
            if rows[key(after)] != nil {
                problems.append("\(record.key) (stage \(stage)): insert of existing key \(key(after))")
            }
            rows[key(after)] = after
        case .update, .delete:
            guard let before = record.before else { return }
            guard let old = rows.removeValue(forKey: key(before)) else {
                problems.append(
                    "\(record.key) (stage \(stage)) \(record.op.rawValue): no replayed row has key \(key(before)); "
                        + "before \(JSONValue.object(before).abbreviated(300))")
                if let after = record.after { rows[key(after)] = after }
                return
            }
            for column in before.keys where old.contains(column) && old[column] != before[column] {
                problems.append(
                    "\(record.key) (stage \(stage)) \(record.op.rawValue) \(record.table) row \(key(before)): before "
                        + "\(column) = \(before[column]?.abbreviated(120) ?? "?"), the replayed row has "
                        + "\(old[column]?.abbreviated(120) ?? "?")")
            }
            if record.op == .update, let after = record.after {
                if rows[key(after)] != nil {
                    problems.append("\(record.key) (stage \(stage)): update onto existing key \(key(after))")
                }
                rows[key(after)] = after
            }
        }
    }
}
