import BinlogDecoder
import TestSupport
import Testing

/// Row images as a real MariaDB 10.11 wrote them (MariaDBRowVectors), decoded value by value and checked against the
/// server's SELECT text; then null and presence bitmaps, widths, and damaged images.
@Suite struct RowImageDecoderTests {
    /// TINYINT … BIGINT signed and unsigned at their limits (signedness from the table map's FULL metadata).
    @Test func integers() throws {
        let vectors = try VectorTable("t_ints")
        for (index, row) in vectors.vectors.rows.enumerated() {
            let (values, _) = try vectors.decode(index)
            #expect(values[0] == .int(Int64(index + 1)))
            for (column, text) in row.text.enumerated() {
                let value = values[column + 1]
                let unsigned = vectors.map.columns[column + 1].unsigned == true
                if unsigned {
                    #expect(value == .uint(try serverNumber(text, as: UInt64.self)), "\(row.values) column \(column)")
                } else {
                    #expect(value == .int(try serverNumber(text, as: Int64.self)), "\(row.values) column \(column)")
                }
            }
        }
        // Without signedness metadata every integer is signed: BIGINT UNSIGNED max reads as -1.
        var unsignedUnknown = vectors
        for index in unsignedUnknown.map.columns.indices { unsignedUnknown.map.columns[index].unsigned = nil }
        let (values, _) = try unsignedUnknown.decode(1)
        #expect(values[10] == .int(-1))
        #expect(values[6] == .int(-1))  // MEDIUMINT UNSIGNED 16777215
    }

    /// BIT(1) … BIT(64): `SELECT b+0` numbers, with all bits set, 1, alternating bits and 0.
    @Test func bits() throws {
        let vectors = try VectorTable("t_bits")
        for (index, row) in vectors.vectors.rows.enumerated() {
            let (values, _) = try vectors.decode(index)
            for (column, text) in row.text.enumerated() {
                #expect(
                    values[column + 1] == .bit(try serverNumber(text, as: UInt64.self)), "BIT(\(column + 1)) \(index)")
            }
        }
    }

    /// YEAR: 0 for the zero year, 1901…2155 (`SELECT c+0`).
    @Test func year() throws {
        let vectors = try VectorTable("t_year")
        for (index, row) in vectors.vectors.rows.enumerated() {
            let (values, _) = try vectors.decode(index)
            #expect(values[1] == .year(try serverNumber(row.text[1], as: UInt16.self)), "\(row.values)")
        }
    }

    /// ENUM index (`c+0`, 1-based, 0 for the invalid ''), including a 2-byte ENUM of 300 members; SET bitmasks of 1
    /// and 8 bytes (MariaDB prints `c+0` of a 64-member SET as a signed number).
    @Test func enumAndSet() throws {
        for table in ["t_enum", "t_enum300"] {
            let vectors = try VectorTable(table)
            for (index, row) in vectors.vectors.rows.enumerated() {
                let (values, _) = try vectors.decode(index)
                #expect(
                    values[1] == .enumIndex(try serverNumber(row.text[1], as: UInt16.self)), "\(table) \(row.values)")
            }
        }
        for table in ["t_set", "t_set64"] {
            let vectors = try VectorTable(table)
            for (index, row) in vectors.vectors.rows.enumerated() {
                let (values, _) = try vectors.decode(index)
                let number = try serverNumber(row.text[1], as: Int64.self)
                #expect(values[1] == .setBits(UInt64(bitPattern: number)), "\(table) \(row.values)")
            }
        }
    }

    /// FLOAT is the float32 the server stored (`CAST(c AS DOUBLE)` is its exact value); DOUBLE the server's text.
    @Test func floatingPoint() throws {
        let floats = try VectorTable("t_float")
        for (index, row) in floats.vectors.rows.enumerated() {
            let (values, _) = try floats.decode(index)
            let exact = try serverNumber(row.text[1], as: Double.self)
            #expect(values[1] == .float(Float(exact)), "\(row.values)")
        }
        let doubles = try VectorTable("t_double")
        for (index, row) in doubles.vectors.rows.enumerated() {
            let (values, _) = try doubles.decode(index)
            #expect(values[1] == .double(try serverNumber(row.text[0], as: Double.self)), "\(row.values)")
        }
    }

    /// CHAR(255) in utf8mb4 is 1020 bytes: a 2-byte length prefix (the real-type/length rule of the table map).
    @Test func longChar() throws {
        let vectors = try VectorTable("t_char255")
        let (values, bytes) = try vectors.decode(1)
        guard case .bytes(let range) = values[1] else {
            Issue.record("not bytes: \(values[1])")
            return
        }
        #expect(String(decoding: bytes[range], as: UTF8.self) == vectors.vectors.rows[1].text[0])
        #expect(range.count == 510)
    }

    // MARK: bitmaps

    /// Columns: INT, INT, VARCHAR(10) (1-byte length). `present` selects columns; the null bitmap counts only
    /// present columns.
    let columns = [
        TableColumn(binlogType: .long, meta: 0, nullable: false),
        TableColumn(binlogType: .long, meta: 0, nullable: true),
        TableColumn(binlogType: .varchar, meta: 10, nullable: true),
    ]

    func decode(present: UInt8, image: [UInt8]) throws(DecodeError) -> ([ColumnValue], [UInt8], Int) {
        let bytes = [present] + image
        var reader = ByteReader(bytes, range: 1..<bytes.count)
        var values: [ColumnValue] = []
        try RowImageDecoder(columns: columns, isMariaDB: true).decode(&reader, present: 0..<1, into: &values)
        return (values, bytes, reader.position)
    }

    @Test func nullsAndAbsentColumns() throws {
        // All present, column 2 NULL (null bit 1).
        let (all, _, end) = try decode(present: 0b111, image: [0b010, 7, 0, 0, 0, 2, 0x68, 0x69])
        #expect(all[0] == .int(7) && all[1] == .null && all[2] == .bytes(7..<9))
        #expect(end == 9)
        // Only columns 1 and 3 present: the null bitmap has 2 bits, column 2 is absent.
        let (some, _, _) = try decode(present: 0b101, image: [0b00, 9, 0, 0, 0, 1, 0x7a])
        #expect(some[0] == .int(9) && some[1] == .absent && some[2] == .bytes(7..<8))
        // Null bit for the second present column (column 3).
        let (nulled, _, _) = try decode(present: 0b101, image: [0b10, 9, 0, 0, 0])
        #expect(nulled[2] == .null)
        // Nothing present: a 0-byte null bitmap and no values.
        let (none, _, noneEnd) = try decode(present: 0, image: [])
        #expect(none == [.absent, .absent, .absent] && noneEnd == 1)
    }

    @Test func damagedImages() {
        // VARCHAR length past the end.
        #expect(throws: DecodeError.self) { try decode(present: 0b111, image: [0, 7, 0, 0, 0, 0, 0, 0, 0, 5, 0x68]) }
        // INT cut short.
        #expect(throws: DecodeError.self) { try decode(present: 0b001, image: [0, 7, 0]) }
        // Missing null bitmap.
        #expect(throws: DecodeError.self) { try decode(present: 0b001, image: []) }
    }

    /// Metadata no server writes: every width is checked before it is used.
    static let impossible: [(ColumnType, UInt16)] = [
        (.newDecimal, 70 | 2 << 8),  // DECIMAL(70,2)
        (.newDecimal, 0),  // DECIMAL(0,0)
        (.newDecimal, 5 | 6 << 8),  // DECIMAL(5,6)
        (.newDecimal, 65 | 31 << 8),  // DECIMAL(65,31)
        (.string, 0xf703),  // ENUM of 3 bytes
        (.string, 0xf700),  // ENUM of 0 bytes
        (.string, 0xf809),  // SET of 9 bytes
        (.bit, 0x0901),  // BIT(73)
        (.blob, 0),  // BLOB with a 0-byte length prefix
        (.blob, 5),  // … and a 5-byte one
        (.geometry, 9),
        (.json, 0),
        (.typedArray, 0),  // cannot appear in a row
        (.decimal, 0),  // the pre-5.0 DECIMAL
        (ColumnType(rawValue: 200), 0),  // unknown
    ]

    @Test(arguments: impossible)
    func impossibleMetadata(type: ColumnType, meta: UInt16) {
        let columns = [TableColumn(binlogType: type, meta: meta, nullable: true)]
        let bytes: [UInt8] = [0x01, 0x00] + [UInt8](repeating: 0x01, count: 64)
        var reader = ByteReader(bytes, range: 1..<bytes.count)
        var values: [ColumnValue] = []
        do {
            try RowImageDecoder(columns: columns, isMariaDB: false).decode(&reader, present: 0..<1, into: &values)
            Issue.record("\(type.name) meta \(meta) decoded as \(values)")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    /// Widths of the fixed-size types, by the formats in MySQL's `Field_*::pack_length`.
    static let widths: [(ColumnType, UInt16, Int)] = [
        (.tiny, 0, 1), (.short, 0, 2), (.int24, 0, 3), (.long, 0, 4), (.longLong, 0, 8),
        (.float, 4, 4), (.double, 8, 8), (.year, 0, 1), (.date, 0, 3), (.newDate, 0, 3),
        (.time2, 0, 3), (.time2, 2, 4), (.time2, 4, 5), (.time2, 6, 6),
        (.dateTime2, 0, 5), (.dateTime2, 1, 6), (.dateTime2, 3, 7), (.dateTime2, 5, 8),
        (.timestamp2, 0, 4), (.timestamp2, 2, 5), (.timestamp2, 4, 6), (.timestamp2, 6, 7),
        (.time, 0, 3), (.dateTime, 0, 8), (.timestamp, 0, 4),
        (.bit, 0x0001, 1), (.bit, 0x0100, 1), (.bit, 0x0101, 2), (.bit, 0x0800, 8),
        (.newDecimal, 10 | 2 << 8, 5), (.null, 0, 0),
    ]

    @Test(arguments: widths)
    func fixedWidths(type: ColumnType, meta: UInt16, width: Int) throws {
        let columns = [TableColumn(binlogType: type, meta: meta, nullable: true)]
        let bytes: [UInt8] = [0x01, 0x00] + [UInt8](repeating: 0x80, count: 16)
        var reader = ByteReader(bytes, range: 1..<bytes.count)
        var values: [ColumnValue] = []
        try RowImageDecoder(columns: columns, isMariaDB: false).decode(&reader, present: 0..<1, into: &values)
        #expect(reader.position == 2 + width, "\(type.name) meta \(meta)")
    }
}
