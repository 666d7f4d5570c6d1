import BinlogDecoder
import Testing

/// Renders `bytes` with `MySQLJSON.render`, checks that `MySQLJSON.parse` + `JSONValue.render` print the same, and
/// returns the text.
private func rendered(_ bytes: [UInt8]) throws -> String {
    var out: [UInt8] = []
    try MySQLJSON.render(bytes[...], into: &out)
    var fromTree: [UInt8] = []
    try MySQLJSON.parse(bytes[...]).render(into: &fromTree)
    #expect(fromTree == out, "parse + render differs from render")
    return String(decoding: out, as: UTF8.self)
}

private func renderError(_ bytes: [UInt8]) -> DecodeError? {
    var out: [UInt8] = []
    do {
        try MySQLJSON.render(bytes[...], into: &out)
    } catch {
        return error
    }
    return nil
}

private func parseError(_ bytes: [UInt8]) -> DecodeError? {
    do {
        _ = try MySQLJSON.parse(bytes[...])
    } catch {
        return error
    }
    return nil
}

private func double(_ value: Double) -> [UInt8] {
    [0x0B] + (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> ($0 * 8)) }
}

private func opaque(_ type: UInt8, _ data: [UInt8]) -> [UInt8] {
    JSONBinaryBuilder.document(.opaque(type: type, data: data))
}

/// Documents written out byte by byte; the expected text follows MySQL's `Json_wrapper::to_string`
/// (sql-common/json_dom.cc): ", " and ": " separators, members in stored order.
@Suite("MySQL binary JSON: hand-encoded documents")
struct MySQLJSONHandEncodedTests {
    @Test("small object holding a small array (inlined int16, double, string)")
    func smallObjectAndArray() throws {
        // {"a": 1, "b": [1, 2.5, "x"]}
        let array: [UInt8] = [
            0x03, 0x00, 0x17, 0x00,  // 3 elements, 23 bytes
            0x05, 0x01, 0x00,  // int16 1, inlined
            0x0B, 0x0D, 0x00,  // double at offset 13
            0x0C, 0x15, 0x00,  // string at offset 21
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x40,  // 2.5
            0x01, 0x78,  // "x"
        ]
        let object: [UInt8] =
            [
                0x00,  // small object
                0x02, 0x00, 0x2B, 0x00,  // 2 members, 43 bytes
                0x12, 0x00, 0x01, 0x00,  // key "a" at 18, length 1
                0x13, 0x00, 0x01, 0x00,  // key "b" at 19, length 1
                0x05, 0x01, 0x00,  // int16 1, inlined
                0x02, 0x14, 0x00,  // small array at offset 20
                0x61, 0x62,
            ] + array
        #expect(try rendered(object) == #"{"a": 1, "b": [1, 2.5, "x"]}"#)
    }

    @Test("large array: uint32 inlined, string stored")
    func largeArray() throws {
        let bytes: [UInt8] = [
            0x03,
            0x02, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,  // 2 elements, 20 bytes
            0x08, 0x70, 0x11, 0x01, 0x00,  // uint32 70000, inlined in the large format
            0x0C, 0x12, 0x00, 0x00, 0x00,  // string at offset 18
            0x01, 0x73,  // "s"
        ]
        #expect(try rendered(bytes) == #"[70000, "s"]"#)
    }

    @Test("large object: int32 inlined")
    func largeObject() throws {
        let bytes: [UInt8] = [
            0x01,
            0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,  // 1 member, 20 bytes
            0x13, 0x00, 0x00, 0x00, 0x01, 0x00,  // key at 19, length 1
            0x07, 0x60, 0x79, 0xFE, 0xFF,  // int32 -100000, inlined
            0x6B,  // "k"
        ]
        #expect(try rendered(bytes) == #"{"k": -100000}"#)
    }

    @Test("small array: int32 is stored, not inlined")
    func smallArrayStoredInt32() throws {
        let bytes: [UInt8] = [0x02, 0x01, 0x00, 0x0B, 0x00, 0x07, 0x07, 0x00, 0x00, 0x00, 0x00, 0x80]
        #expect(try rendered(bytes) == "[-2147483648]")
    }

    @Test("empty containers")
    func emptyContainers() throws {
        #expect(try rendered([0x02, 0x00, 0x00, 0x04, 0x00]) == "[]")
        #expect(try rendered([0x00, 0x00, 0x00, 0x04, 0x00]) == "{}")
        #expect(try rendered([0x03, 0, 0, 0, 0, 8, 0, 0, 0]) == "[]")
    }

    @Test("literals and integers at the top level")
    func scalars() throws {
        #expect(try rendered([0x04, 0x00]) == "null")
        #expect(try rendered([0x04, 0x01]) == "true")
        #expect(try rendered([0x04, 0x02]) == "false")
        #expect(try rendered([0x05, 0xFE, 0xFF]) == "-2")
        #expect(try rendered([0x06, 0xFF, 0xFF]) == "65535")
        #expect(try rendered([0x07, 0xFF, 0xFF, 0xFF, 0x7F]) == "2147483647")
        #expect(try rendered([0x08, 0xFF, 0xFF, 0xFF, 0xFF]) == "4294967295")
        #expect(try rendered([0x09, 0, 0, 0, 0, 0, 0, 0, 0x80]) == "-9223372036854775808")
        #expect(try rendered([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == "18446744073709551615")
        #expect(try rendered([0x0A, 0, 0, 0, 0, 0, 0, 0, 0]) == "0")
    }

    @Test("an empty document is null (MySQL's parse_binary)")
    func emptyDocument() throws {
        #expect(try rendered([]) == "null")
        #expect(try MySQLJSON.parse([][...]) == .null)
    }

    @Test("literal inlined in an array keeps only its first byte")
    func literalsInArray() throws {
        // [0, 1, true, false] as in json-opaque.binlog event 22, written out.
        let bytes: [UInt8] = [
            0x02, 0x04, 0x00, 0x10, 0x00,
            0x05, 0x00, 0x00, 0x05, 0x01, 0x00, 0x04, 0x01, 0x00, 0x04, 0x02, 0x00,
        ]
        #expect(try rendered(bytes) == "[0, 1, true, false]")
    }

    @Test("string escapes follow MySQL's double_quote")
    func stringEscapes() throws {
        // a " b \ c LF TAB BS FF CR 0x01 0x1f DEL /
        let text: [UInt8] = [0x61, 0x22, 0x62, 0x5C, 0x63, 0x0A, 0x09, 0x08, 0x0C, 0x0D, 0x01, 0x1F, 0x7F, 0x2F]
        #expect(
            try rendered([0x0C, UInt8(text.count)] + text) == "\"a\\\"b\\\\c\\n\\t\\b\\f\\r\\u0001\\u001f\u{7F}/\"")
    }

    @Test("non-ASCII UTF-8 is kept, ill-formed bytes become U+FFFD like String(decoding:as:)")
    func utf8() throws {
        let e = Array("é😀".utf8)
        #expect(try rendered([0x0C, UInt8(e.count)] + e) == "\"é😀\"")
        let cases: [[UInt8]] = [
            [0xFF], [0xE2, 0x82], [0xE2, 0x28, 0xA1], [0xC0, 0xAF], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0x61, 0xF0, 0x9F, 0x98], [0xF0, 0x9F, 0x98, 0x80, 0x80],
        ]
        for bad in cases {
            let expected = "\"" + String(decoding: bad, as: UTF8.self) + "\""
            #expect(try rendered([0x0C, UInt8(bad.count)] + bad) == expected, "\(bad)")
        }
    }

    @Test("random bytes in strings render like JSONValue.string(String(decoding:))")
    func utf8Random() throws {
        var generator = JSONTestRandom(seed: 7)
        for _ in 0..<2000 {
            let count = Int(generator.next() % 12)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next() | (generator.next() & 1) << 7)
            }
            var direct: [UInt8] = []
            try MySQLJSON.render(([0x0C, UInt8(count)] + bytes)[...], into: &direct)
            var viaString: [UInt8] = []
            JSONValue.string(String(decoding: bytes, as: UTF8.self)).render(into: &viaString)
            #expect(direct == viaString, "\(bytes)")
        }
    }

    @Test("string length of two variable-length bytes")
    func longString() throws {
        let text = [UInt8](repeating: 0x7A, count: 200)
        #expect(try rendered([0x0C, 0xC8, 0x01] + text) == "\"" + String(repeating: "z", count: 200) + "\"")
    }

    /// Expected texts follow MySQL's my_gcvt(value, MY_GCVT_ARG_DOUBLE, 34) (strings/dtoa.cc): fixed notation for
    /// decimal exponents -14...15 (MAX_DECPT_FOR_F_FORMAT = DBL_DIG), else `e` notation without `+` or leading
    /// zeros, then ".0" appended by wrapper_to_string when neither '.' nor 'e' was written.
    @Test(
        "doubles print like MySQL's my_gcvt plus .0 for integral values",
        arguments: [
            (1.0, "1.0"), (2.5, "2.5"), (-2.5, "-2.5"), (0.1, "0.1"), (0.0, "0.0"), (-0.0, "-0.0"),
            (100.0, "100.0"), (1e14, "100000000000000.0"), (1e15, "1e15"), (1e20, "1e20"), (1.5e300, "1.5e300"),
            (123.456, "123.456"), (0.0001, "0.0001"), (1e-5, "0.00001"), (1e-15, "0.000000000000001"),
            (1e-16, "1e-16"), (-2.5e-20, "-2.5e-20"), (123456789012345678.0, "1.2345678901234568e17"),
            (1234567890123456.7, "1234567890123456.8"), (999999999999999.0, "999999999999999.0"),
            (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e308"),
            (3.14159, "3.14159"),
        ])
    func doubles(value: Double, expected: String) throws {
        #expect(try rendered(double(value)) == expected)
    }

    @Test("random doubles: the text reads back as the same double")
    func doublesRoundTrip() throws {
        var generator = JSONTestRandom(seed: 11)
        var checked = 0
        while checked < 20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            checked += 1
            var out: [UInt8] = []
            try MySQLJSON.render(double(value)[...], into: &out)
            let text = String(decoding: out, as: UTF8.self)
            #expect(Double(text) == value, "\(value) rendered as \(text)")
            #expect(text.contains(".") || text.contains("e"), "\(text) reads as an integer")
        }
    }

    @Test("opaque DECIMAL renders as an unquoted number with its scale (decimal.cc's worked example)")
    func decimals() throws {
        // DECIMAL(14,4): 1234567890.1234 is 81 0D FB 38 D2 04 D2, -1234567890.1234 is 7E F2 04 C7 2D FB 2D
        // (the example in MySQL's strings/decimal.cc, decimal2bin).
        #expect(try rendered(opaque(246, [14, 4, 0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04, 0xD2])) == "1234567890.1234")
        #expect(try rendered(opaque(246, [14, 4, 0x7E, 0xF2, 0x04, 0xC7, 0x2D, 0xFB, 0x2D])) == "-1234567890.1234")
        #expect(try rendered(opaque(246, [14, 4, 0x80, 0, 0, 0, 0, 0, 0])) == "0.0000")
        // DECIMAL(2,2): 0x81 is 0.01, 0x1C is -0.99.
        #expect(try rendered(opaque(246, [2, 2, 0x81])) == "0.01")
        #expect(try rendered(opaque(246, [2, 2, 0x1C])) == "-0.99")
        // DECIMAL(5,0): 00 30 39 with the top bit flipped is 12345.
        #expect(try rendered(opaque(246, [5, 0, 0x80, 0x30, 0x39])) == "12345")
    }

    @Test("opaque temporals: packed DATE, DATETIME, TIMESTAMP, TIME")
    func temporals() throws {
        func packed(_ value: Int64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
        // TIME_to_longlong_datetime_packed: ((year*13+month) << 5 | day) << 17 | hour << 12 | minute << 6 | second,
        // shifted left 24 bits, plus microseconds.
        let ymd = Int64((2024 * 13 + 2) << 5 | 29)
        let datetime = (ymd << 17 | 23 << 12 | 59 << 6 | 58) << 24 | 123_456
        #expect(try rendered(opaque(12, packed(datetime))) == #""2024-02-29 23:59:58.123456""#)
        #expect(try rendered(opaque(7, packed(datetime))) == #""2024-02-29 23:59:58.123456""#)
        #expect(try rendered(opaque(10, packed((ymd << 17) << 24))) == #""2024-02-29""#)
        // TIME_to_longlong_time_packed: (hour << 12 | minute << 6 | second) << 24 | microseconds, negated if negative.
        let time = Int64(838 << 12 | 59 << 6 | 59) << 24
        #expect(try rendered(opaque(11, packed(-time))) == #""-838:59:59.000000""#)
        #expect(try rendered(opaque(11, packed(time | 5))) == #""838:59:59.000005""#)
    }

    @Test("other opaque types: base64:typeNN with MySQL's 76-character line breaks; VAR_STRING as a string")
    func otherOpaque() throws {
        #expect(try rendered(opaque(15, [0x55])) == #""base64:type15:VQ==""#)
        #expect(try rendered(opaque(252, [0x61, 0x62])) == #""base64:type252:YWI=""#)
        #expect(try rendered(opaque(252, [])) == #""base64:type252:""#)
        // 60 zero bytes are 80 base64 characters: base64_encode writes '\n' after the first 76.
        let long = try rendered(opaque(16, [UInt8](repeating: 0, count: 60)))
        #expect(
            long == "\"base64:type16:" + String(repeating: "A", count: 76) + "\\n" + String(repeating: "A", count: 4)
                + "\"")
        #expect(try rendered(opaque(253, Array("q\"".utf8))) == #""q\"""#)
        // DATETIME2 (18) and NEWDATE (14) are not special in MySQL's Json_wrapper::type().
        #expect(try rendered(opaque(18, [1, 2, 3])) == #""base64:type18:AQID""#)
    }

    @Test("parse keeps numbers' kinds, member order and opaque bytes")
    func parseTree() throws {
        let document = JSONBinaryBuilder.document(
            .object([
                ("b", .int16(-1)), ("a", .uint64(7)), ("c", .array([.double(0.5), .text("t"), .null, .true])),
                ("d", .opaque(type: 10, data: [0, 0, 0, 0, 0, 0xE4, 0x8B, 0x19])),
            ]))
        let value = try MySQLJSON.parse(document[...])
        #expect(
            value
                == .object([
                    JSONMember(key: "b", value: .int(-1)), JSONMember(key: "a", value: .uint(7)),
                    JSONMember(key: "c", value: .array([.double(0.5), .string("t"), .null, .bool(true)])),
                    JSONMember(key: "d", value: .opaque(type: 10, bytes: [0, 0, 0, 0, 0, 0xE4, 0x8B, 0x19])),
                ]))
        #expect(try rendered(document) == #"{"b": -1, "a": 7, "c": [0.5, "t", null, true], "d": "2012-03-18"}"#)
    }

    @Test("a hand-built opaque JSONValue with a payload MySQL cannot have written falls back to base64")
    func opaqueFallback() {
        var out: [UInt8] = []
        JSONValue.opaque(type: 246, bytes: [14, 4, 1]).render(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""base64:type246:DgQB""#)
    }
}

/// Documents MySQL wrote: the JSON columns of the rows events in the shared fixtures.
@Suite("MySQL binary JSON: real binlogs")
struct MySQLJSONFixtureTests {
    /// json-opaque.binlog (MySQL 9.0.1): one JSON column per table; the expected values are the ones
    /// rust_mysql_common's tests assert for these events (INDEX.md), with DECIMAL unquoted as MySQL prints it.
    @Test("json-opaque.binlog: opaque scalars render as MySQL prints them")
    func jsonOpaque() throws {
        let bytes = try JSONFixtureBinlog.load("mysql/json-opaque.binlog")
        let expected: [Int: String] = [
            10: #"{"a": "base64:type15:VQ=="}"#,
            12: #"{"b": "2012-03-18"}"#,
            14: #"{"c": "2012-03-18 11:30:45.000000"}"#,
            16: #"{"c": "87:31:46.654321"}"#,
            18: #"{"d": 123.456}"#,
            20: #"{"e": 9.00}"#,
            22: #"{"e": [0, 1, true, false]}"#,
            24: #"{"e": null}"#,
        ]
        var seen: [Int: String] = [:]
        for (event, rows) in try JSONFixtureBinlog.rowsEvents(bytes) {
            #expect(rows.count == 1)
            guard case .json(let range)?? = rows.first?.after.first else {
                Issue.record("event \(event.index): no JSON value")
                continue
            }
            seen[event.index] = try rendered(Array(bytes[range]))
        }
        #expect(seen == expected)
    }

    /// json.binlog.000001 (MySQL 8.0.22): `CREATE TABLE t(id INT PRIMARY KEY AUTO_INCREMENT, json_col JSON,
    /// name VARCHAR(100) AS (json_col->>'$.name'), age INT AS (json_col->'$.age'))` (the QUERY event). The
    /// generated columns, computed by MySQL from the same document, must agree with the rendered text.
    @Test("json.binlog.000001: every JSON document agrees with the generated columns MySQL computed from it")
    func jsonGeneratedColumns() throws {
        let bytes = try JSONFixtureBinlog.load("mysql/json.binlog.000001")
        var documents = 0
        for (event, rows) in try JSONFixtureBinlog.rowsEvents(bytes) where event.type != 39 {
            for row in rows {
                for image in [row.before, row.after].compactMap({ $0 }) {
                    guard case .json(let range)?? = image.dropFirst().first,
                        case .text(let name)?? = image.dropFirst(2).first,
                        case .int(let age)?? = image.dropFirst(3).first
                    else {
                        Issue.record("event \(event.index): unexpected row shape")
                        continue
                    }
                    let text = try rendered(Array(bytes[range]))
                    let data = String(repeating: name == "Joe" ? "x" : name == "Sue" ? "y" : "z", count: 10)
                    #expect(text == #"{"age": \#(age), "data": "\#(data)", "name": "\#(name)"}"#)
                    documents += 1
                }
            }
        }
        // 3 single-row inserts, one 3-row insert, a 6-row update with before and after images.
        #expect(documents == 3 + 3 + 12)
    }

    @Test("the test builder lays documents out exactly as MySQL does")
    func builderMatchesMySQL() throws {
        let bytes = try JSONFixtureBinlog.load("mysql/json.binlog.000001")
        let (_, rows) = try #require(try JSONFixtureBinlog.rowsEvents(bytes).first)
        guard case .json(let range)?? = rows.first?.after.dropFirst().first else {
            Issue.record("no JSON value")
            return
        }
        let built = JSONBinaryBuilder.document(
            .object([("age", .int16(24)), ("data", .text("xxxxxxxxxx")), ("name", .text("Joe"))]))
        #expect(built == Array(bytes[range]))
    }
}

/// Malformed and hostile documents must throw `DecodeError`, never trap, recurse without bound or allocate by a
/// declared size.
@Suite("MySQL binary JSON: hostile input")
struct MySQLJSONHostileTests {
    static let sample = JSONBinaryBuilder.document(
        .object([
            ("a", .array([.int32(1), .text("two"), .double(3), .object([("k", .uint64(4))], large: true)])),
            ("bb", .opaque(type: 246, data: [5, 2, 0x80, 0x7B, 0x2D])), ("ccc", .string([0xC3, 0xA9])),
        ]))

    @Test("the sample renders")
    func sampleRenders() throws {
        #expect(try rendered(Self.sample) == #"{"a": [1, "two", 3.0, {"k": 4}], "bb": 123.45, "ccc": "é"}"#)
    }

    @Test("every truncation of a document throws")
    func truncated() throws {
        for length in 1..<Self.sample.count {
            let prefix = Array(Self.sample[0..<length])
            #expect(renderError(prefix) != nil, "prefix \(length) rendered")
            #expect(parseError(prefix) != nil, "prefix \(length) parsed")
        }
        #expect(renderError([0x0C, 0x05, 0x61])?.code == .truncated)
        #expect(renderError([0x09, 0x01])?.code == .truncated)
        #expect(renderError([0x0F, 0xF6])?.code == .truncated)
    }

    @Test("offsets and sizes past the end are rejected")
    func offsetsPastEnd() {
        // Array whose only element points past the array's 7 bytes.
        #expect(renderError([0x02, 0x01, 0x00, 0x07, 0x00, 0x0C, 0x09, 0x00])?.code == .malformed)
        // An element that points back into its own entry (could loop).
        #expect(renderError([0x02, 0x01, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00])?.code == .malformed)
        // Key past the object's end.
        #expect(
            renderError([0x00, 0x01, 0x00, 0x0C, 0x00, 0x0B, 0x00, 0x05, 0x00, 0x04, 0x00, 0x00, 0x61])?.code
                == .malformed)
        // Declared size larger than the document.
        #expect(renderError([0x02, 0x00, 0x00, 0xFF, 0x00])?.code == .truncated)
        // Unknown type, unknown literal, 6-byte variable length, opaque DECIMAL with the wrong byte count.
        #expect(renderError([0x0D, 0x00])?.code == .malformed)
        #expect(renderError([0x04, 0x03])?.code == .malformed)
        #expect(renderError([0x0C, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])?.code == .malformed)
        #expect(renderError(opaque(246, [14, 4, 0x81]))?.code == .malformed)
        #expect(renderError(opaque(246, [2, 2, 0xE4]))?.code == .malformed)  // group value 100 in 2 digits
        #expect(renderError(opaque(10, [1, 2, 3]))?.code == .malformed)
        #expect(parseError(opaque(246, [14, 4, 0x81]))?.code == .malformed)
    }

    @Test("a failed render leaves the output buffer as it was")
    func failedRenderRestoresBuffer() {
        var out: [UInt8] = [0x78]
        let broken = JSONBinaryBuilder.document(.array([.text("ok"), .opaque(type: 10, data: [1])]))
        #expect(throws: DecodeError.self) { try MySQLJSON.render(broken[...], into: &out) }
        #expect(out == [0x78])
    }

    @Test("huge declared counts with a tiny input throw without allocating")
    func hugeCounts() {
        #expect(renderError([0x02, 0xFF, 0xFF, 0x04, 0x00])?.code == .malformed)
        #expect(parseError([0x02, 0xFF, 0xFF, 0x04, 0x00])?.code == .malformed)
        #expect(parseError([0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x08, 0x00, 0x00, 0x00])?.code == .malformed)
        #expect(parseError([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])?.code == .truncated)
        #expect(parseError([0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])?.code == .truncated)
    }

    /// Nested large arrays `[[[…]]]`, each level one element pointing at the next level right after its header.
    static func nested(depth: Int) -> [UInt8] {
        let header = 8 + 5
        let total = depth * header
        var bytes: [UInt8] = [0x03]
        bytes.reserveCapacity(total + 1)
        for level in 0..<depth {
            let size = UInt32(total - level * header)
            let count: UInt32 = level == depth - 1 ? 0 : 1
            let levelSize = level == depth - 1 ? UInt32(8) : size
            bytes += JSONBinaryBuilder.littleEndian(count) + JSONBinaryBuilder.littleEndian(levelSize)
            if level < depth - 1 {
                bytes += [0x03] + JSONBinaryBuilder.littleEndian(UInt32(header))
            } else {
                bytes += [0, 0, 0, 0, 0]
            }
        }
        return bytes
    }

    @Test("nesting up to the limit renders; one level more throws limitExceeded")
    func depthLimit() throws {
        let deepest = try rendered(Self.nested(depth: MySQLJSON.maximumDepth))
        #expect(deepest == String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000))
        #expect(renderError(Self.nested(depth: MySQLJSON.maximumDepth + 1))?.code == .limitExceeded)
        #expect(parseError(Self.nested(depth: MySQLJSON.maximumDepth + 1))?.code == .limitExceeded)
    }

    @Test("nesting 100,000 deep throws limitExceeded instead of overflowing the stack")
    func veryDeep() {
        let bytes = Self.nested(depth: 100_000)
        #expect(renderError(bytes)?.code == .limitExceeded)
        #expect(parseError(bytes)?.code == .limitExceeded)
    }

    @Test("entries that share one sub-document many times exhaust the work budget")
    func sharedSubdocuments() {
        // 40 levels of small arrays with two entries both pointing at the next level: 2^40 elements when
        // followed, from about 400 bytes.
        let levels = 40
        let header = 4 + 2 * 3
        let total = levels * header + 4
        var bytes: [UInt8] = [0x02]
        for level in 0..<levels {
            let size = UInt16(total - level * header)
            bytes += JSONBinaryBuilder.littleEndian(UInt16(2)) + JSONBinaryBuilder.littleEndian(size)
            bytes += [0x02] + JSONBinaryBuilder.littleEndian(UInt16(header))
            bytes += [0x02] + JSONBinaryBuilder.littleEndian(UInt16(header))
        }
        bytes += [0x00, 0x00, 0x04, 0x00]
        #expect(renderError(bytes)?.code == .limitExceeded)
        #expect(parseError(bytes)?.code == .limitExceeded)
    }

    @Test("random corruptions never trap, and render agrees with parse + render")
    func fuzz() throws {
        var generator = JSONTestRandom(seed: 42)
        var inputs: [[UInt8]] = [Self.sample]
        let fixture = try JSONFixtureBinlog.load("mysql/json-opaque.binlog")
        for (_, rows) in try JSONFixtureBinlog.rowsEvents(fixture) {
            if case .json(let range)?? = rows.first?.after.first { inputs.append(Array(fixture[range])) }
        }
        for round in 0..<5000 {
            var bytes = inputs[round % inputs.count]
            for _ in 0...(generator.next() % 4) {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 8 == 0 { bytes.removeLast(Int(generator.next() % UInt64(bytes.count))) }
            var direct: [UInt8] = []
            var renderFailed = false
            do { try MySQLJSON.render(bytes[...], into: &direct) } catch { renderFailed = true }
            do {
                var fromTree: [UInt8] = []
                try MySQLJSON.parse(bytes[...]).render(into: &fromTree)
                #expect(renderFailed == false && fromTree == direct, "\(bytes)")
            } catch {
                #expect(renderFailed, "\(bytes)")
            }
        }
    }
}
