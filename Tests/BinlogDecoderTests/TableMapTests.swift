import TestSupport
import Testing

@testable import BinlogDecoder

/// TABLE_MAP_EVENT: real column types and metadata against what independent decoders and the servers' DDL say,
/// optional metadata (`binlog_row_metadata`), and hostile tables.
@Suite struct TableMapTests {
    /// Every table map of the MySQL fixtures whose rows `mariadb-binlog -vv` printed: each printed column's
    /// `meta=` and `nullable=` (MariaDB's `log_event_print_value`, from the same table map) must match.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func metaAndNullabilityMatchMariaDBBinlog() throws {
        let index = try FixtureIndex()
        var compared = 0
        for entry in index.entries where entry.eventCounts.contains("TABLE_MAP") {
            let text = try Fixtures.text("mysql/\(entry.file).mariadb-binlog.txt")
            let printed = Self.printedColumns(text)
            guard !printed.isEmpty else { continue }
            let binlog = try DecodedBinlog(fixture: "mysql/" + entry.file)
            for map in binlog.tableMaps {
                guard let columns = printed["`\(map.database)`.`\(map.table)`"] else { continue }
                for (column, (meta, nullable)) in columns {
                    #expect(column <= map.columns.count, "\(entry.file): @\(column)")
                    guard column <= map.columns.count else { continue }
                    let ours = map.columns[column - 1]
                    #expect(Int(ours.meta) == meta, "\(entry.file) \(map.table) @\(column)")
                    #expect(ours.nullable == nullable, "\(entry.file) \(map.table) @\(column)")
                    compared += 1
                }
            }
        }
        #expect(compared > 50)
    }

    /// `###   @3='a' /* STRING(8) meta=65032 nullable=1 is_null=0 */` lines, by the table of the preceding
    /// `### INSERT INTO`/`### UPDATE`/`### DELETE FROM` line.
    static func printedColumns(_ text: String) -> [String: [Int: (Int, Bool)]] {
        var result: [String: [Int: (Int, Bool)]] = [:]
        var table = ""
        for line in text.split(separator: "\n") where line.hasPrefix("###") {
            for prefix in ["### INSERT INTO ", "### UPDATE ", "### DELETE FROM "] where line.hasPrefix(prefix) {
                table = String(line.dropFirst(prefix.count))
            }
            guard line.hasPrefix("###   @"), let at = line.firstIndex(of: "@"),
                let metaRange = line.range(of: " meta="), let nullRange = line.range(of: " nullable=")
            else { continue }
            let number = Int(line[line.index(after: at)...].prefix { $0.isNumber })
            let meta = Int(line[metaRange.upperBound...].prefix { $0.isNumber })
            let nullable = line[nullRange.upperBound...].first == "1"
            if let number, let meta { result[table, default: [:]][number] = (meta, nullable) }
        }
        return result
    }

    /// MariaDB 10.11 with `binlog_row_metadata=FULL`: every table map of the fixture workload against
    /// `mariadb-binlog --print-table-metadata` (names, NOT NULL, UNSIGNED, ENUM/SET labels, primary keys, DECIMAL
    /// precision/scale, temporal fsp).
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func fullMetadataMatchesMariaDBBinlog() throws {
        let text = MariaDBTableMetadataText(
            try Fixtures.bytes("mariadb/full-metadata/mysql-bin.000001.mariadb-binlog.txt"))
        let maps = try DecodedBinlog(fixture: "mariadb/full-metadata/mysql-bin.000001").tableMaps
        #expect(maps.count == text.tables.count)
        #expect(maps.count > 50)
        var labelsSeen = 0
        for (map, printed) in zip(maps, text.tables) {
            let where_ = "\(printed.database).\(printed.name)"
            #expect(map.database == printed.database && map.table == printed.name)
            #expect(map.hasOptionalMetadata)
            #expect(map.columns.count == printed.columns.count, "\(where_)")
            for (column, expected) in zip(map.columns, printed.columns) {
                let label = "\(where_).\(expected.name)"
                #expect(column.name == expected.name, "\(label)")
                #expect(column.nullable == !expected.notNull, "\(label)")
                if column.type.isNumeric {
                    #expect(column.unsigned == expected.unsigned, "\(label)")
                }
                if let labels = expected.labels {
                    #expect(column.labels == labels, "\(label)")
                    labelsSeen += 1
                }
                if let fsp = Self.parenthesized(expected.typeText, ["TIME", "DATETIME", "TIMESTAMP"]) {
                    #expect(column.meta == UInt16(fsp[0]), "\(label)")
                }
                if let decimal = Self.parenthesized(expected.typeText, ["DECIMAL"]), decimal.count == 2 {
                    // NEWDECIMAL metadata: precision byte, then scale byte.
                    #expect(column.meta == UInt16(decimal[0]) | UInt16(decimal[1]) << 8, "\(label)")
                }
            }
            let expectedKey = printed.primaryKey.compactMap { name in printed.columns.firstIndex { $0.name == name } }
            #expect(map.primaryKey == expectedKey, "\(where_)")
        }
        #expect(labelsSeen > 10)
    }

    /// The numbers in `TYPE(a,b)` when the printed type is one of `types`.
    static func parenthesized(_ typeText: String, _ types: [String]) -> [Int]? {
        guard let open = typeText.firstIndex(of: "("), types.contains(String(typeText[..<open])) else { return nil }
        let inside = typeText[typeText.index(after: open)...].prefix { $0 != ")" }
        return inside.split(separator: ",").compactMap { Int($0) }
    }

    /// `mysql/mariadb-bin.000001` (MariaDB 10.5, FULL metadata): rust_mysql_common's expectations in
    /// expected_values.json — `toddy_test.outbox`, id (primary key, no charset), topic and event_type utf8mb4 (45),
    /// event binary (63), created without a charset.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func mariaDB105FullMetadata() throws {
        let maps = try DecodedBinlog(fixture: "mysql/mariadb-bin.000001").tableMaps
        #expect(maps.count == 2)
        let map = try #require(maps.first)
        #expect(map.database == "toddy_test" && map.table == "outbox")
        #expect(map.columns.map(\.name) == ["id", "topic", "event_type", "event", "created"])
        #expect(map.columns.map(\.collation) == [nil, 45, 45, 63, nil])
        #expect(map.primaryKey == [0] && map.columns[0].isPrimaryKey)
        #expect(map.columns[2].type == .enumType)
    }

    /// `mysql/minimal_row_metadata.000001` (MySQL 8.0.40, `binlog_row_metadata=MINIMAL`): no names; column 2 (0-based)
    /// has character set 255 (utf8mb4_0900_ai_ci), column 4 is INT UNSIGNED (expected_values.json).
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func minimalMetadata() throws {
        let map = try #require(try DecodedBinlog(fixture: "mysql/minimal_row_metadata.000001").tableMaps.first)
        #expect(map.hasOptionalMetadata)
        #expect(map.columns.allSatisfy { $0.name == nil })
        #expect(map.columns[2].collation == 255)
        #expect(map.columns[4].unsigned == true)
        // The other INT columns are signed per the same signedness bitmap.
        #expect(map.columns[0].unsigned == false && map.columns[3].unsigned == false)
        #expect(map.primaryKey.isEmpty)
    }

    /// `mysql/vector.binlog` (MySQL 9.0.1): `CREATE TABLE foo(id SERIAL, vector_column VECTOR(3) NOT NULL)` and
    /// `bar(id SERIAL, vector_column VECTOR(2) NOT NULL, foo TEXT, vector_column2 VECTOR(4) NOT NULL)`;
    /// expected_values.json: dimensions foo=[3], bar=[2,4]. SERIAL is BIGINT UNSIGNED NOT NULL (and unique).
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func vectorDimensions() throws {
        let maps = try DecodedBinlog(fixture: "mysql/vector.binlog").tableMaps
        let foo = try #require(maps.first { $0.table == "foo" })
        let bar = try #require(maps.first { $0.table == "bar" })
        #expect(foo.columns.map(\.name) == ["id", "vector_column"])
        #expect(foo.columns.map(\.type) == [.longLong, .vector])
        #expect(foo.columns.compactMap(\.vectorDimensions) == [3])
        #expect(foo.columns[0].unsigned == true && !foo.columns[0].nullable && !foo.columns[1].nullable)
        #expect(bar.columns.map(\.name) == ["id", "vector_column", "foo", "vector_column2"])
        #expect(bar.columns.compactMap(\.vectorDimensions) == [2, 4])
        #expect(bar.columns[2].nullable && bar.columns[2].type == .blob)
    }

    /// `mysql/binlog-invisible-columns.000001` (MySQL 8.0.26): `CREATE TABLE t1 (f1 INT UNSIGNED INVISIBLE,
    /// f2 INT UNSIGNED INVISIBLE, f3 INT , f4 TEXT, f5 BLOB, f6 BIGINT UNSIGNED INVISIBLE)`.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func invisibleColumns() throws {
        let maps = try DecodedBinlog(fixture: "mysql/binlog-invisible-columns.000001").tableMaps
        #expect(maps.count == 3)
        for map in maps {
            #expect(map.columns.map(\.name) == ["f1", "f2", "f3", "f4", "f5", "f6"])
            #expect(map.columns.map(\.visible) == [false, false, true, true, true, false])
            #expect(map.columns.map(\.unsigned) == [true, true, false, nil, nil, true])
            #expect(map.columns.map(\.type) == [.long, .long, .long, .blob, .blob, .longLong])
            #expect(map.columns[4].collation == 63)
        }
    }

    /// MySQL 8.0.28, `CREATE TABLE t(f1 CHAR(128), f2 VARCHAR(300), f3 ENUM('var1', 'variant2', 'foo'),
    /// f4 SET('one', 'two', 'three', 'four'), f5 TEXT)` in utf8mb4: CHAR(128) is 512 bytes (the long-CHAR encoding
    /// of MySQL bug #37426), ENUM and SET arrive as STRING with their real type in the metadata.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func enumSetAndLongChar() throws {
        let map = try #require(try DecodedBinlog(fixture: "mysql/mysql-enum-string-set.000001").tableMaps.first)
        #expect(map.columns.map(\.binlogType) == [.string, .varchar, .string, .string, .blob])
        #expect(map.columns.map(\.type) == [.string, .varchar, .enumType, .set, .blob])
        #expect(map.columns[0].stringLength == 512)
        #expect(map.columns[1].meta == 1200)
        #expect(map.columns[2].stringLength == 1 && map.columns[3].stringLength == 1)
        #expect(map.columns[2].labels == ["var1", "variant2", "foo"].map { Array($0.utf8) })
        #expect(map.columns[3].labels == ["one", "two", "three", "four"].map { Array($0.utf8) })
        #expect(map.columns.map(\.name) == ["f1", "f2", "f3", "f4", "f5"])
    }

    /// Table maps from the throwaway MariaDB (MariaDBRowVectors): their DDL is the expectation.
    @Test func mariaDBVectorTables() throws {
        func parse(_ name: String) throws -> TableMap {
            let table = try #require(MariaDBRowVectors.table(name))
            let body = try Hex.bytes(table.tableMap)
            return try TableMap.parse(body, body: 0..<body.count, postHeaderLength: 8)
        }
        let ints = try parse("t_ints")
        #expect(ints.database == "vec" && ints.table == "t_ints")
        #expect(ints.columns.map(\.name) == ["id", "ti", "tiu", "si", "siu", "mi", "miu", "i", "iu", "bi", "biu"])
        #expect(
            ints.columns.map(\.type) == [
                .long, .tiny, .tiny, .short, .short, .int24, .int24, .long, .long,
                .longLong, .longLong,
            ])
        #expect(
            ints.columns.map(\.unsigned) == [false, false, true, false, true, false, true, false, true, false, true])
        #expect(ints.primaryKey == [0] && !ints.columns[0].nullable && ints.columns[1].nullable)

        let enum300 = try parse("t_enum300")
        #expect(enum300.columns[1].type == .enumType && enum300.columns[1].stringLength == 2)
        #expect(enum300.columns[1].labels?.count == 300)
        #expect(enum300.columns[1].labels?.last == Array("e300".utf8))
        let set64 = try parse("t_set64")
        #expect(set64.columns[1].type == .set && set64.columns[1].stringLength == 8)
        #expect(set64.columns[1].labels?.count == 64)
        // CHAR(255) in utf8mb4: 1020 bytes.
        let char255 = try parse("t_char255")
        #expect(char255.columns[1].type == .string && char255.columns[1].stringLength == 1020)
        #expect(char255.columns[1].collation == 45)
        let bits = try parse("t_bits")
        #expect(bits.columns.count == 65)
        for width in 1...64 {
            let meta = bits.columns[width].meta
            #expect(Int(meta >> 8) * 8 + Int(meta & 0xff) == width, "BIT(\(width))")
        }
        let decimal = try parse("t_dec_65_30")
        #expect(decimal.columns[1].type == .newDecimal && decimal.columns[1].meta == 65 | 30 << 8)
        let time = try parse("t_time3")
        #expect(time.columns[1].type == .time2 && time.columns[1].meta == 3)
        let oldTime = try parse("t_otime3")
        #expect(oldTime.columns[1].type == .time && oldTime.columns[1].meta == 0)
        let geometry = try parse("t_float")
        #expect(geometry.columns[1].type == .float && geometry.columns[1].meta == 4)
    }

    // MARK: hostile and hand-made tables

    func parse(_ builder: TableMapBuilder) throws(DecodeError) -> TableMap {
        let body = builder.body
        return try TableMap.parse(body, body: 0..<body.count, postHeaderLength: 8)
    }

    @Test func columnCountLimit() {
        var builder = TableMapBuilder()
        builder.types = [UInt8](repeating: 3, count: 100_000)
        do {
            _ = try parse(builder)
            Issue.record("100,000 columns accepted")
        } catch {
            #expect(error.code == .limitExceeded)
        }
        // A count larger than the event: malformed, without allocating for it.
        builder.types = [3, 3]
        builder.declaredCount = 100_000
        #expect(throws: DecodeError.self) { try parse(builder) }
        builder.declaredCount = UInt64.max
        #expect(throws: DecodeError.self) { try parse(builder) }
        // 4096 is the servers' limit and is accepted.
        builder.declaredCount = nil
        builder.types = [UInt8](repeating: 3, count: 4096)
        #expect(throws: Never.self) { try parse(builder) }
    }

    @Test func primaryKeyOutOfRange() {
        var builder = TableMapBuilder()
        builder.types = [3, 3]
        for kind: UInt8 in [8, 9] {
            builder.optional = [(kind, kind == 8 ? [2] : [2, 0])]
            do {
                _ = try parse(builder)
                Issue.record("primary key column 2 of 2 accepted (type \(kind))")
            } catch {
                #expect(error.code == .malformed)
            }
        }
        builder.optional = [(8, [1, 0])]
        #expect((try? parse(builder))?.primaryKey == [1, 0])
        builder.optional = [(9, [1, 5])]  // a 5-character prefix of column 1
        #expect((try? parse(builder))?.primaryKey == [1])
    }

    @Test func optionalMetadataFields() throws {
        var builder = TableMapBuilder()
        // INT, VARCHAR(10), ENUM (as STRING f7 01), SET (STRING f8 01), GEOMETRY, DOUBLE, BLOB
        builder.types = [3, 15, 254, 254, 255, 5, 252]
        builder.metadata = [10, 0, 0xf7, 1, 0xf8, 1, 4, 8, 2]
        builder.optional = [
            (1, [0b0100_0000]),  // signedness: INT signed, DOUBLE unsigned
            (2, [33, 1, 8]),  // default charset 33, column 1 (BLOB) 8
            (
                4,
                TableMapBuilder.lengthPrefixed("a") + TableMapBuilder.lengthPrefixed("b")
                    + TableMapBuilder.lengthPrefixed("c") + TableMapBuilder.lengthPrefixed("d")
                    + TableMapBuilder.lengthPrefixed("g") + TableMapBuilder.lengthPrefixed("f")
                    + TableMapBuilder.lengthPrefixed("h")
            ),
            (6, [2] + TableMapBuilder.lengthPrefixed("x") + TableMapBuilder.lengthPrefixed("y")),  // ENUM labels
            (5, [1] + TableMapBuilder.lengthPrefixed("s")),  // SET labels
            (7, [1]),  // GEOMETRY type POINT
            (10, [45]),  // ENUM/SET default charset
            (12, [0b1011_1111]),  // column 1 invisible
            (99, [1, 2, 3]),  // a newer server's field: skipped
        ]
        let map = try parse(builder)
        #expect(map.columns.map(\.type) == [.long, .varchar, .enumType, .set, .geometry, .double, .blob])
        #expect(map.columns.map(\.unsigned) == [false, nil, nil, nil, nil, true, nil])
        #expect(map.columns.map(\.collation) == [nil, 33, 45, 45, nil, nil, 8])
        #expect(map.columns.map(\.name) == ["a", "b", "c", "d", "g", "f", "h"])
        #expect(map.columns[2].labels == [[0x78], [0x79]])
        #expect(map.columns[3].labels == [[0x73]])
        #expect(map.columns[4].geometryType == 1)
        #expect(map.columns.map(\.visible) == [true, false, true, true, true, true, true])
    }

    @Test func malformedOptionalMetadata() {
        var builder = TableMapBuilder()
        builder.types = [15]
        builder.metadata = [10, 0]
        let cases: [[(UInt8, [UInt8])]] = [
            [(2, [33, 5, 8])],  // charset for the 6th character column of 1
            [(4, [5, 0x61])],  // a name longer than its field
            [(6, [])],  // fine: no ENUM columns, nothing read
        ]
        builder.optional = cases[0]
        #expect(throws: DecodeError.self) { try parse(builder) }
        builder.optional = cases[1]
        #expect(throws: DecodeError.self) { try parse(builder) }
        builder.optional = cases[2]
        #expect(throws: Never.self) { try parse(builder) }
        // A TLV whose length runs past the event.
        var body = builder.body
        body += [4, 9, 1]
        #expect(throws: DecodeError.self) { try TableMap.parse(body, body: 0..<body.count, postHeaderLength: 8) }
    }

    /// Every prefix of a real table map body fails cleanly (the full body parses).
    @Test func everyTruncationThrows() throws {
        let table = try #require(MariaDBRowVectors.table("t_enum"))
        let body = try Hex.bytes(table.tableMap)
        #expect(throws: Never.self) { try TableMap.parse(body, body: 0..<body.count, postHeaderLength: 8) }
        var failures = 0
        for length in 0..<body.count {
            do {
                _ = try TableMap.parse(body, body: 0..<length, postHeaderLength: 8)
            } catch {
                failures += 1
            }
        }
        // A cut that ends exactly between optional-metadata fields is a valid shorter table map; all others throw.
        #expect(failures >= body.count - 8)
    }

    /// MySQL 5.1.4 and older: a 6-byte post-header with a 4-byte table id.
    @Test func oldPostHeader() throws {
        var builder = TableMapBuilder()
        builder.tableID = 0x0102_0304
        builder.types = [3]
        var body = builder.body
        body.removeSubrange(4..<6)  // drop the two high table-id bytes
        let map = try TableMap.parse(body, body: 0..<body.count, postHeaderLength: 6)
        #expect(map.tableID == 0x0102_0304 && map.columns.count == 1)
    }
}
