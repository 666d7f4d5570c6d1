/// Crafted binlog events and files whose length fields lie (issue 6: a 4 GB event size, packed integers of 2^64-1,
/// a JSON document nested 100,000 deep, a table map declaring 100,000 columns), built by the documented layouts after
/// a real server's format description. Shared by the decoder, core and command-line tests.
public enum HostileBinlog {
    public static let magic: [UInt8] = [0xfe, 0x62, 0x69, 0x6e]

    /// MySQL 8.0.32's format description, CRC32 checksums (`mysql/transaction_compression.000001` at offset 4).
    public static let formatDescription: [UInt8] =
        (try? Hex.bytes(
            """
            3d130a650f010000007a0000007e00000000000400382e302e333200000000000000000000000000000000000000000000000000
            000000000000000000000000000000000000000000000013000d0008000000000400040000006200041a08000000080808020000
            000a0a0a2a2a001234000a2800019dd8a6f4
            """)) ?? []

    /// MariaDB 10.11.19's format description, CRC32 checksums (`mariadb/full-metadata/mysql-bin.000001` at offset 4).
    public static let mariaDBFormatDescription: [UInt8] =
        (try? Hex.bytes(
            """
            5415026b0f01000000fc000000000100000000040031302e31312e31392d4d6172696144422d302b646562313275312d6c6f6700
            000000000000000000000000000000000000005415026b13380d000800120004040404120000e400041a08000000080808020000
            000a0a0a0000000000000a0a0a000000000000000000000000000000000000000000000000000000000000000000000000000000
            00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
            00000000000000000000000000000000000000000000000000000000041304000d0808080a0a0a011a8d4d2f
            """)) ?? []

    /// Where the first event after the format description starts in a file.
    public static let firstOffset = 4 + 122

    /// Event type codes used here.
    public static let tableMapType: UInt8 = 19
    public static let writeRowsV2: UInt8 = 30
    public static let partialUpdateRows: UInt8 = 39
    public static let transactionPayload: UInt8 = 40
    /// MySQL column types: LONG (INT), JSON.
    public static let long: UInt8 = 3
    public static let json: UInt8 = 245

    /// `0xFE` and eight `0xFF`: a length-encoded integer of 2^64-1.
    public static let packedMax: [UInt8] = [0xfe] + [UInt8](repeating: 0xff, count: 8)

    /// A length-encoded ("packed") integer as MySQL writes it.
    public static func packed(_ value: UInt64) -> [UInt8] {
        switch value {
        case 0..<251: return [UInt8(value)]
        case 251..<(1 << 16): return [0xfc] + littleEndian(value, 2)
        case (1 << 16)..<(1 << 24): return [0xfd] + littleEndian(value, 3)
        default: return [0xfe] + littleEndian(value, 8)
        }
    }

    public static func littleEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }

    /// Header, body and CRC32; `eventSize` replaces the true size in the header (before the CRC32 is computed).
    public static func event(type: UInt8, body: [UInt8], eventSize: UInt32? = nil) -> [UInt8] {
        let size = UInt32(truncatingIfNeeded: 19 + body.count + 4)
        var out: [UInt8] = [0, 0, 0, 0, type, 1, 0, 0, 0] + littleEndian(UInt64(eventSize ?? size), 4)
        out += [0, 0, 0, 0, 0, 0] + body
        return out + littleEndian(UInt64(crc32(out)), 4)
    }

    /// A binlog file: magic, the format description, `events`.
    public static func file(_ events: [[UInt8]]) -> [UInt8] {
        events.reduce(magic + formatDescription, +)
    }

    /// TABLE_MAP body: table_id u48 · flags · `db`.`t` · column_count · types · metadata · null bitmap.
    /// `declaredCount` replaces the column count written.
    public static func tableMap(types: [UInt8], metadata: [UInt8], declaredCount: [UInt8]? = nil) -> [UInt8] {
        var out: [UInt8] = littleEndian(1, 6) + [1, 0] + [2] + Array("db".utf8) + [0] + [1, UInt8(ascii: "t"), 0]
        out += declaredCount ?? packed(UInt64(types.count))
        out += types + packed(UInt64(metadata.count)) + metadata
        return out + [UInt8](repeating: 0xff, count: (types.count + 7) / 8)
    }

    /// The table map of `(id INT, doc JSON)`: LONG, and JSON with a 4-byte length.
    public static let intAndJSONTable = tableMap(types: [long, json], metadata: [4])

    /// A v2 rows event body for table 1: post-header (extra_data_len 2), `columnCount`, the bitmaps, `rows`.
    public static func rows(columnCount: [UInt8], bitmaps: [UInt8], rows: [UInt8]) -> [UInt8] {
        littleEndian(1, 6) + [1, 0] + [2, 0] + columnCount + bitmaps + rows
    }

    /// One row image of `(id INT, doc JSON)`: null bitmap, id, the JSON value with its 4-byte length.
    public static func intAndJSONImage(id: UInt32, json value: [UInt8]) -> [UInt8] {
        [0] + littleEndian(UInt64(id), 4) + littleEndian(UInt64(value.count), 4) + value
    }

    /// A PARTIAL_UPDATE_ROWS body for `(id INT, doc JSON)`: the before image, `value_options`, the partial bitmap and
    /// the after image whose JSON value is the diff vector `diff`.
    public static func partialUpdate(before: [UInt8], valueOptions: [UInt8] = [1], diff: [UInt8]) -> [UInt8] {
        rows(
            columnCount: [2], bitmaps: [0x03, 0x03],
            rows: intAndJSONImage(id: 1, json: before) + valueOptions + [0x01] + intAndJSONImage(id: 1, json: diff))
    }

    /// One JSON diff: operation (0 replace, 1 insert, 2 remove), path, value (not for remove).
    public static func diff(_ operation: UInt8, path: [UInt8], value: [UInt8]?) -> [UInt8] {
        var out = [operation] + packed(UInt64(path.count)) + path
        if let value { out += packed(UInt64(value.count)) + value }
        return out
    }

    /// A MySQL binary JSON document `[[[…]]]` nested `depth` deep: large arrays of one element, each pointing at the
    /// next level right after its header (13 bytes a level).
    public static func nestedJSON(depth: Int) -> [UInt8] {
        let header = 8 + 5
        let total = depth * header
        var bytes: [UInt8] = [0x03]
        bytes.reserveCapacity(total + 1)
        func append(_ value: Int) {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
        }
        for level in 0..<depth {
            let last = level == depth - 1
            append(last ? 0 : 1)
            append(last ? 8 : total - level * header)
            bytes.append(last ? 0 : 0x03)
            append(last ? 0 : header)
        }
        return bytes
    }

    /// The small document `{"a": 1}`.
    public static let smallObject: [UInt8] = [
        0x00, 0x01, 0x00, 0x0c, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x05, 0x01, 0x00, 0x61,
    ]

    /// CRC-32 (ISO-HDLC), the table-driven textbook form (independent of the decoder's).
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return ~crc
    }

    static let crcTable: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        return crc
    }
}

extension HostileBinlog {
    /// A crafted binlog file and what reading it must report: the offset of the bad event, the `DecodeError.Code`
    /// (raw value) and a part of the message.
    public struct FileCase: Sendable, CustomStringConvertible {
        public let name: String
        public let bytes: [UInt8]
        public let offset: Int
        public let code: String
        public let message: String
        /// Change records before the bad event (a good row in front of it).
        public let recordsBefore: Int
        public var description: String { name }
    }

    /// A file of `events`; the last one is the hostile one.
    static func fileCase(
        _ name: String, _ events: [[UInt8]], code: String, message: String, recordsBefore: Int = 0
    ) -> FileCase {
        let offset = firstOffset + events.dropLast().reduce(0) { $0 + $1.count }
        return FileCase(
            name: name, bytes: file(events), offset: offset, code: code, message: message,
            recordsBefore: recordsBefore)
    }

    /// One file per hostile length field, each after a good event or two.
    public static let fileCases: [FileCase] = {
        let table = event(type: tableMapType, body: intAndJSONTable)
        func write(_ columnCount: [UInt8], image: [UInt8]) -> [UInt8] {
            event(type: writeRowsV2, body: rows(columnCount: columnCount, bitmaps: [0x03], rows: image))
        }
        let goodRow = write([2], image: intAndJSONImage(id: 1, json: smallObject))
        return [
            fileCase(
                "event-size-4GB",
                [table, event(type: 2, body: [UInt8](repeating: 0x41, count: 40), eventSize: UInt32.max)],
                code: "badEventSize", message: "event_size 4294967295, more than the 1073741824-byte limit"),
            fileCase(
                "event-size-1GiB-past-the-end", [table, event(type: 2, body: [1, 2, 3], eventSize: 1 << 30)],
                code: "truncated", message: "event_size 1073741824 but only"),
            fileCase(
                "rows-column-count-2^64-1", [table, goodRow, write(packedMax, image: [])],
                code: "limitExceeded", message: "declares 18446744073709551615 columns", recordsBefore: 1),
            fileCase(
                "rows-column-count-0xFF-prefix", [table, write([0xff, 0xff, 0xff], image: [])],
                code: "malformed", message: "invalid length-encoded integer prefix 0xff"),
            fileCase(
                "table-map-100000-columns",
                [
                    event(
                        type: tableMapType,
                        body: tableMap(types: [UInt8](repeating: long, count: 100_000), metadata: []))
                ],
                code: "limitExceeded", message: "declares 100000 columns (at most 4096)"),
            fileCase(
                "json-nested-100000-deep",
                [table, goodRow, write([2], image: intAndJSONImage(id: 2, json: nestedJSON(depth: 100_000)))],
                code: "limitExceeded", message: "nesting deeper than 1000 levels", recordsBefore: 1),
            fileCase(
                "partial-json-path-length-2^64-1",
                [
                    table,
                    event(
                        type: partialUpdateRows,
                        body: partialUpdate(before: smallObject, diff: [0] + packedMax + Array("$.a".utf8))),
                ],
                code: "malformed", message: "JSON diff path length"),
        ]
    }()
}
