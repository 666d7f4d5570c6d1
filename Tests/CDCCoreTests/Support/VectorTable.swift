import BinlogDecoder
import CDCCore
import TestSupport

/// A table of `MariaDBRowVectors` decoded with the decoder, ready to render.
struct VectorTable {
    let vectors: MariaDBRowVectors.Table
    var map: TableMap

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(_ name: String) throws {
        guard let vectors = MariaDBRowVectors.table(name) else { throw Failure(description: "no vector table \(name)") }
        self.vectors = vectors
        let body = try Hex.bytes(vectors.tableMap)
        var decoder = EventDecoder(decompressor: nil)
        let size = UInt32(19 + body.count)
        let header: [UInt8] = [
            0, 0, 0, 0, 19, 1, 0, 0, 0,
            UInt8(size & 0xff), UInt8(size >> 8 & 0xff), UInt8(size >> 16 & 0xff), 0,
            0, 0, 0, 0, 0, 0,
        ]
        guard case .tableMap(let map) = try decoder.decode(header + body, offset: 4).body else {
            throw Failure(description: "\(name): not a table map")
        }
        // MariaDB 5.3-format temporal columns: the precision comes from the CREATE TABLE, as the parser learns it.
        var hints = LegacyTemporalHints()
        hints.observe(query: vectors.ddl, defaultDatabase: map.database)
        self.map = hints.apply(to: map) ?? map
    }

    /// Row `index` decoded (every column present): values and the bytes they point into.
    func decode(_ index: Int) throws -> (values: [ColumnValue], bytes: [UInt8]) {
        let image = try Hex.bytes(vectors.rows[index].image)
        let bitmapLength = (map.columns.count + 7) / 8
        let bytes = [UInt8](repeating: 0xff, count: bitmapLength) + image
        var reader = ByteReader(bytes, range: bitmapLength..<bytes.count)
        var values: [ColumnValue] = []
        try RowImageDecoder(columns: map.columns, isMariaDB: true).decode(
            &reader, present: 0..<bitmapLength, into: &values)
        return (values, bytes)
    }

    /// Column `column`'s JSON for row `index`, as the record writer renders it.
    func render(_ index: Int, column: Int, info: TableRenderInfo? = nil) throws -> String {
        let (values, bytes) = try decode(index)
        let table = info ?? TableRenderInfo(map: map)
        var out = OutputBuffer(capacity: 256)
        try ValueRenderer.append(values[column], info: table.columns[column], bytes: bytes, into: &out)
        return String(decoding: out.array, as: UTF8.self)
    }
}

/// A number in the server's text (SQL NULL or an unparsable text is an error).
func serverNumber<T: LosslessStringConvertible>(_ text: String?, as type: T.Type = T.self) throws -> T {
    guard let text, let value = T(text) else {
        throw VectorTable.Failure(description: "not a \(T.self): \(text ?? "NULL")")
    }
    return value
}
