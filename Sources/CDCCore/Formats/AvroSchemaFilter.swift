/// `--exclude-column` / `--mask-column` applied to a table version's Avro schemas (docs/formats.md): an excluded
/// column's field leaves the row record (`before`/`after`) and the key record; a masked column's field becomes a
/// `string` (`["null","string"]` when the column is nullable) holding the SHA-256 hex digest, with the property
/// `"binlog_sink.masked": "sha256"` added and `mysql.type` kept so consumers still see what the column is.
enum AvroSchemaFilter {
    /// `actions` has one entry per column, in table order (the row record's field order).
    static func apply(_ schema: AvroSchema, actions: [ColumnFilter.Action]) -> AvroSchema {
        guard case .record(var envelope) = schema.value,
            let beforeIndex = envelope.fields.firstIndex(where: { $0.name == "before" }),
            case .union(let branches) = envelope.fields[beforeIndex].type, branches.count == 2,
            case .record(var row) = branches[1], row.fields.count == actions.count
        else { return schema }
        // Key fields are row fields by name (AvroSchema gives both the same sanitized names).
        var actionByName: [String: ColumnFilter.Action] = [:]
        for (index, field) in row.fields.enumerated() { actionByName[field.name] = actions[index] }
        row.fields = filtered(row.fields) { actionByName[$0] ?? .keep }
        envelope.fields[beforeIndex].type = .union([.null, .record(row)])
        var result = schema
        result.value = .record(envelope)
        if case .record(var key) = schema.key {
            key.fields = filtered(key.fields) { actionByName[$0] ?? .keep }
            result.key = .record(key)
        }
        return result
    }

    private static func filtered(_ fields: [AvroField], action: (String) -> ColumnFilter.Action) -> [AvroField] {
        fields.compactMap { field in
            switch action(field.name) {
            case .keep: return field
            case .exclude: return nil
            case .mask:
                var masked = field
                let nullable: Bool
                if case .union = field.type { nullable = true } else { nullable = false }
                masked.type = nullable ? AvroType.string.nullable : .string
                masked.properties.append(AvroProperty("binlog_sink.masked", .string("sha256")))
                return masked
            }
        }
    }
}
