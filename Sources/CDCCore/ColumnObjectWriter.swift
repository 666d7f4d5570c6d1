import BinlogDecoder

/// Renders one column value as JSON: the native format's `ValueRenderer` or Debezium's `DebeziumValueRenderer`.
protocol ColumnValueRenderer {
    static func append(
        _ value: ColumnValue, info: ColumnRenderInfo, bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError)
}

extension ValueRenderer: ColumnValueRenderer {}
extension DebeziumValueRenderer: ColumnValueRenderer {}

/// Writes `{"col":value,…}` for some columns of a row image, the one loop every JSON format shares: columns absent
/// from the image are left out, `--exclude-column` drops a column and `--mask-column` replaces its value by a
/// digest (`ColumnFilter`), and a value that cannot be rendered is reported with its table and column.
enum ColumnObjectWriter {
    @inline(__always)
    static func append<Renderer: ColumnValueRenderer, Columns: Sequence<Int>>(
        _ columns: Columns, of values: [ColumnValue], table: TableRenderInfo, bytes: [UInt8], side: [UInt8],
        renderer: Renderer.Type, into out: inout OutputBuffer
    ) throws(DecodeError) {
        out.append(123)
        var first = true
        // Locals: the class's arrays are retained once per image, not once per column; each column's info is used
        // through an unretained reference (`table` keeps it alive), so no reference count is touched per value.
        let infos = table.unretainedColumns
        let actions = table.columnActions
        for index in columns where index < values.count && index < infos.count {
            let value = values[index]
            if case .absent = value { continue }
            let action = actions?[index] ?? .keep
            if action == .exclude { continue }
            if !first { out.append(44) }
            first = false
            var failure: DecodeError?
            infos[index]._withUnsafeGuaranteedRef { info in
                out.append(contentsOf: info.key)
                do throws(DecodeError) {
                    if action == .mask {
                        try ColumnFilter.appendMasked(into: &out) { (scratch) throws(DecodeError) in
                            try Renderer.append(value, info: info, bytes: bytes, side: side, into: &scratch)
                        }
                    } else {
                        try Renderer.append(value, info: info, bytes: bytes, side: side, into: &out)
                    }
                } catch {
                    failure = error
                }
            }
            if let failure {
                var located = failure
                located.message = "\(table.qualifiedName) column \(index + 1): \(failure.message)"
                throw located
            }
        }
        out.append(125)
    }
}
