import BinlogDecoder

/// `--exclude-column` / `--mask-column`: per-column treatment by `db.table.column` glob (the same glob rules as
/// `TableFilter`), applied before encoding. An excluded column is left out of every image (and of the message key);
/// a masked column's value is replaced by the SHA-256 hex digest of the value as the format renders it (NULL stays
/// null), so equal values still compare equal downstream. Exclusion wins over masking.
public struct ColumnFilter: Sendable {
    public enum Action: Sendable, Equatable {
        case keep, exclude, mask
    }

    public var excludes: [String]
    public var masks: [String]

    public init(excludes: [String] = [], masks: [String] = []) {
        self.excludes = excludes
        self.masks = masks
    }

    public var isEmpty: Bool { excludes.isEmpty && masks.isEmpty }

    public func action(database: String, table: String, column: String) -> Action {
        let name = Array("\(database).\(table).\(column)".utf8)
        if excludes.contains(where: { TableFilter.matches(Array($0.utf8), name) }) { return .exclude }
        if masks.contains(where: { TableFilter.matches(Array($0.utf8), name) }) { return .mask }
        return .keep
    }

    /// Actions for every column of a table map (nil when every column is kept). Columns without a known name are
    /// matched by their ordinal name (`@1`, …).
    public func actions(for info: TableRenderInfo) -> [Action]? {
        guard !isEmpty else { return nil }
        let actions = info.map.columns.enumerated().map { index, column in
            action(database: info.map.database, table: info.map.table, column: column.name ?? "@\(index + 1)")
        }
        return actions.allSatisfy { $0 == .keep } ? nil : actions
    }

    /// Renders a value with `render` into a scratch buffer and appends `"<sha-256 hex>"` instead (null stays null).
    public static func appendMasked(
        into out: inout OutputBuffer, render: (inout OutputBuffer) throws(DecodeError) -> Void
    ) throws(DecodeError) {
        var scratch = OutputBuffer(capacity: 256)
        try render(&scratch)
        let rendered = scratch.array
        if rendered == Array("null".utf8) {
            out.append(contentsOf: rendered)
            return
        }
        out.append(34)
        out.append(contentsOf: SHA256.hex(rendered).utf8)
        out.append(34)
    }
}
