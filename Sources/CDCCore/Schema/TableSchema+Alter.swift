extension TableSchema {
    /// This schema after `ops`, applied in order as MySQL does; a message when an operation names a column the
    /// schema does not have (the registry then treats the table as unknown rather than guess).
    public func applying(_ ops: [AlterOp]) -> Result<TableSchema, AlterFailure> {
        var schema = self
        for op in ops {
            switch op {
            case .addColumn(let column, let position):
                guard schema.columnIndex(column.name) == nil else {
                    return .failure(AlterFailure("ADD COLUMN \(column.name): already exists"))
                }
                guard let index = schema.insertionIndex(position, default: schema.columns.count) else {
                    return .failure(AlterFailure("ADD COLUMN \(column.name): no column \(position)"))
                }
                schema.columns.insert(column, at: index)
            case .dropColumn(let name):
                guard let index = schema.columnIndex(name) else {
                    return .failure(AlterFailure("DROP COLUMN \(name): no such column"))
                }
                schema.columns.remove(at: index)
                schema.primaryKey.removeAll { $0.lowercased() == name.lowercased() }
            case .modifyColumn(let column, let position):
                guard let result = schema.replace(column.name, with: column, position) else {
                    return .failure(AlterFailure("MODIFY COLUMN \(column.name): no such column"))
                }
                schema = result
            case .changeColumn(let old, let column, let position):
                guard let result = schema.replace(old, with: column, position) else {
                    return .failure(AlterFailure("CHANGE COLUMN \(old): no such column"))
                }
                schema = result
            case .renameColumn(let from, let to):
                guard let index = schema.columnIndex(from) else {
                    return .failure(AlterFailure("RENAME COLUMN \(from): no such column"))
                }
                schema.columns[index].name = to
                schema.primaryKey = schema.primaryKey.map { $0.lowercased() == from.lowercased() ? to : $0 }
            case .renameTable(let name):
                schema.database = name.database
                schema.table = name.table
            case .addPrimaryKey(let names):
                var resolved: [String] = []
                for name in names {
                    guard let index = schema.columnIndex(name) else {
                        return .failure(AlterFailure("ADD PRIMARY KEY: no column \(name)"))
                    }
                    schema.columns[index].nullable = false
                    resolved.append(schema.columns[index].name)
                }
                schema.primaryKey = resolved
            case .dropPrimaryKey:
                schema.primaryKey = []
            case .convertCharset(let charset, let collation):
                schema.charset = charset ?? schema.charset
                schema.collation = collation
                for index in schema.columns.indices where schema.columns[index].isCharacterType {
                    schema.columns[index].charset = charset ?? schema.columns[index].charset
                    schema.columns[index].collation = collation
                }
            case .defaultCharset(let charset, let collation):
                if let charset {
                    schema.charset = charset
                    schema.collation = collation
                } else if let collation {
                    schema.collation = collation
                }
            }
        }
        return .success(schema)
    }

    /// Replaces column `old` by `column` (MODIFY/CHANGE), moving it when `position` says so; nil if `old` is absent.
    func replace(_ old: String, with column: ColumnSchema, _ position: ColumnPosition) -> TableSchema? {
        guard let index = columnIndex(old) else { return nil }
        var schema = self
        let oldName = schema.columns[index].name
        schema.primaryKey = schema.primaryKey.map { $0 == oldName ? column.name : $0 }
        var updated = column
        if schema.primaryKey.contains(column.name) { updated.nullable = false }
        if position == .unchanged {
            schema.columns[index] = updated
            return schema
        }
        schema.columns.remove(at: index)
        guard let target = schema.insertionIndex(position, default: index) else { return nil }
        schema.columns.insert(updated, at: target)
        return schema
    }

    func insertionIndex(_ position: ColumnPosition, default fallback: Int) -> Int? {
        switch position {
        case .unchanged: return fallback
        case .first: return 0
        case .after(let name):
            guard let index = columnIndex(name) else { return nil }
            return index + 1
        }
    }
}
