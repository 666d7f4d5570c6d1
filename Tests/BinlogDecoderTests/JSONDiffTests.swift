import BinlogDecoder
import Testing

/// MySQL's length-encoded integer (`net_store_length`), as the diff writes its path and value lengths.
private func lengthEncoded(_ length: Int) -> [UInt8] {
    switch length {
    case ..<251: return [UInt8(length)]
    case ..<65_536: return [0xFC] + JSONBinaryBuilder.littleEndian(UInt16(length))
    case ..<16_777_216: return [0xFD] + Array(JSONBinaryBuilder.littleEndian(UInt32(length)).prefix(3))
    default: return [0xFE] + JSONBinaryBuilder.littleEndian(UInt64(length))
    }
}

/// One diff as `Json_diff::write_binary` writes it: operation, path, and for REPLACE/INSERT the value document.
private func diff(_ operation: UInt8, _ path: String, _ value: JSONBinaryBuilder.Node? = nil) -> [UInt8] {
    var bytes = [operation] + lengthEncoded(path.utf8.count) + Array(path.utf8)
    if let value {
        let document = JSONBinaryBuilder.document(value)
        bytes += lengthEncoded(document.count) + document
    }
    return bytes
}

private let replace: UInt8 = 0
private let insert: UInt8 = 1
private let remove: UInt8 = 2

private func text(_ value: JSONValue) -> String {
    var out: [UInt8] = []
    value.render(into: &out)
    return String(decoding: out, as: UTF8.self)
}

/// The before image for the hand-built cases, members in MySQL's order (by key length, then bytes).
private func before() throws -> JSONValue {
    try MySQLJSON.parse(
        JSONBinaryBuilder.document(
            .object([
                ("a", .array([.int16(1), .int16(2), .int16(3)])),
                ("b", .object([("x", .int16(1))])),
                ("ab", .true),
                ("k k", .text("v")),
            ]))[...])
}

private func applied(_ diffs: [UInt8]...) throws -> String {
    text(try JSONDiff.apply(Array(diffs.joined())[...], to: try before()))
}

private func applyError(_ diffs: [UInt8]..., to document: JSONValue? = nil) throws -> DecodeError? {
    let start = try document ?? before()
    do {
        _ = try JSONDiff.apply(Array(diffs.joined())[...], to: start)
    } catch {
        return error
    }
    return nil
}

@Suite("JSON diff: real PARTIAL_UPDATE_ROWS event")
struct JSONDiffFixtureTests {
    /// json.binlog.000001 (MySQL 8.0.22), table `t(id INT PRIMARY KEY, json_col JSON, name VARCHAR(100) AS
    /// (json_col->>'$.name'), age INT AS (json_col->'$.age'))`. The UPDATE_ROWS event (full images) is followed by
    /// a PARTIAL_UPDATE_ROWS event whose before images hold only `id` (minimal row image) and whose after images
    /// hold json_col as a diff plus the generated columns MySQL computed from the updated document. The SQL text
    /// is not in the binlog (row format, no Rows_query events), so the expectation comes from the row itself:
    /// the updated document is the previous after image with `$.age` equal to the generated `age` column, and
    /// the generated `name` column still matches.
    @Test("applying the diffs to the previous after images gives the documents the generated columns describe")
    func partialUpdate() throws {
        let bytes = try JSONFixtureBinlog.load("mysql/json.binlog.000001")
        let events = try JSONFixtureBinlog.rowsEvents(bytes)
        let update = try #require(events.first { $0.event.type == 31 })
        let partial = try #require(events.first { $0.event.type == 39 })

        var documents: [Int32: JSONValue] = [:]
        for row in update.rows {
            guard case .int(let id)?? = row.after.first, case .json(let range)?? = row.after.dropFirst().first else {
                Issue.record("unexpected UPDATE_ROWS row")
                continue
            }
            documents[id] = try MySQLJSON.parse(bytes[range])
        }
        #expect(documents.count == 6)

        #expect(partial.rows.count == 6)
        for row in partial.rows {
            guard case .int(let id)?? = row.before?.first,
                case .json(let diffRange)?? = row.after.dropFirst().first,
                case .text(let name)?? = row.after.dropFirst(2).first,
                case .int(let age)?? = row.after.dropFirst(3).first
            else {
                Issue.record("unexpected PARTIAL_UPDATE_ROWS row")
                continue
            }
            #expect(row.partial == [false, true, false, false])
            let changes = try JSONDiff.decode(bytes[diffRange])
            #expect(changes.map(\.operation) == [.replace])
            #expect(changes.map(\.path) == ["$.age"])
            #expect(changes.map(\.value) == [.int(Int64(age))])
            let previous = try #require(documents[id])
            let updated = try JSONDiff.apply(bytes[diffRange], to: previous)

            guard case .object(var members) = previous else {
                Issue.record("before image of id \(id) is not an object")
                continue
            }
            let ageIndex = try #require(members.firstIndex { $0.key == "age" })
            #expect(members[ageIndex].value == .int(Int64(age) - 1), "the statement added 1 to $.age")
            members[ageIndex].value = .int(Int64(age))
            #expect(updated == .object(members))
            #expect(members.first { $0.key == "name" }?.value == .string(name))
            #expect(text(updated).hasPrefix(#"{"age": \#(age), "data": ""#))
        }
    }
}

/// Hand-built diffs; the expected results follow MySQL's `apply_json_diff` (sql-common/json_diff.cc) and
/// `Json_array_index` / `Json_key_comparator` (json_path.h / json_dom.h).
@Suite("JSON diff: operations")
struct JSONDiffOperationTests {
    @Test("an empty diff vector leaves the document unchanged")
    func empty() throws {
        #expect(try applied() == #"{"a": [1, 2, 3], "b": {"x": 1}, "ab": true, "k k": "v"}"#)
    }

    @Test("REPLACE of an array cell, a nested member and a quoted member")
    func replaceValues() throws {
        #expect(
            try applied(diff(replace, "$.a[1]", .text("two")))
                == #"{"a": [1, "two", 3], "b": {"x": 1}, "ab": true, "k k": "v"}"#)
        #expect(
            try applied(diff(replace, "$.b.x", .array([.null])))
                == #"{"a": [1, 2, 3], "b": {"x": [null]}, "ab": true, "k k": "v"}"#)
        #expect(
            try applied(diff(replace, #"$."k k""#, .double(1.5)))
                == #"{"a": [1, 2, 3], "b": {"x": 1}, "ab": true, "k k": 1.5}"#)
        #expect(
            try applied(diff(replace, "$.a[last]", .false))
                == #"{"a": [1, 2, false], "b": {"x": 1}, "ab": true, "k k": "v"}"#)
        #expect(
            try applied(diff(replace, " $ . a [ last - 2 ] ", .int16(7)))
                == #"{"a": [7, 2, 3], "b": {"x": 1}, "ab": true, "k k": "v"}"#)
    }

    @Test("INSERT into an array: before the indexed element, at the end past it, [last] before the last one")
    func insertIntoArray() throws {
        #expect(try applied(diff(insert, "$.a[1]", .int16(9))).hasPrefix(#"{"a": [1, 9, 2, 3], "#))
        #expect(try applied(diff(insert, "$.a[10]", .int16(9))).hasPrefix(#"{"a": [1, 2, 3, 9], "#))
        #expect(try applied(diff(insert, "$.a[3]", .int16(9))).hasPrefix(#"{"a": [1, 2, 3, 9], "#))
        #expect(try applied(diff(insert, "$.a[last]", .int16(9))).hasPrefix(#"{"a": [1, 2, 9, 3], "#))
        #expect(try applied(diff(insert, "$.a[last-7]", .int16(9))).hasPrefix(#"{"a": [9, 1, 2, 3], "#))
    }

    @Test("INSERT into an object adds the member where MySQL's key order puts it")
    func insertIntoObject() throws {
        #expect(
            try applied(diff(insert, "$.c", .int16(0)))
                == #"{"a": [1, 2, 3], "b": {"x": 1}, "c": 0, "ab": true, "k k": "v"}"#)
        #expect(
            try applied(diff(insert, "$.aa", .int16(0)))
                == #"{"a": [1, 2, 3], "b": {"x": 1}, "aa": 0, "ab": true, "k k": "v"}"#)
        #expect(
            try applied(diff(insert, "$.zzzz", .int16(0)))
                == #"{"a": [1, 2, 3], "b": {"x": 1}, "ab": true, "k k": "v", "zzzz": 0}"#)
        #expect(
            try applied(diff(insert, #"$.b."q\"t\u00e9""#, .text("w")))
                == #"{"a": [1, 2, 3], "b": {"x": 1, "q\"té": "w"}, "ab": true, "k k": "v"}"#)
    }

    @Test("member names are matched byte for byte, as MySQL does")
    func byteExactKeys() throws {
        let document = JSONValue.object([JSONMember(key: "\u{E9}", value: .int(1))])
        let result = try JSONDiff.apply(diff(insert, "$.\"e\u{301}\"", .int16(2))[...], to: document)
        #expect(text(result) == "{\"\u{E9}\": 1, \"e\u{301}\": 2}")
        #expect(try applyError(diff(remove, "$.\"e\u{301}\""), to: document)?.code == .malformed)
    }

    @Test("REMOVE a member and array cells")
    func removeValues() throws {
        #expect(try applied(diff(remove, "$.b.x")) == #"{"a": [1, 2, 3], "b": {}, "ab": true, "k k": "v"}"#)
        #expect(try applied(diff(remove, "$.a[0]")).hasPrefix(#"{"a": [2, 3], "#))
        #expect(try applied(diff(remove, "$.a[last]")).hasPrefix(#"{"a": [1, 2], "#))
        #expect(try applied(diff(remove, #"$."k k""#)) == #"{"a": [1, 2, 3], "b": {"x": 1}, "ab": true}"#)
    }

    @Test("diffs apply in order, each to the result of the previous one")
    func sequence() throws {
        let result = try applied(
            diff(insert, "$.a[0]", .int16(0)),
            diff(replace, "$.a[3]", .text("three")),
            diff(remove, "$.ab"),
            diff(insert, "$.b.y", .object([("z", .uint32(4_000_000_000))], large: true)))
        #expect(result == #"{"a": [0, 1, 2, "three"], "b": {"x": 1, "y": {"z": 4000000000}}, "k k": "v"}"#)
    }

    @Test("decode lists the changes without applying them")
    func decodeOnly() throws {
        let vector = diff(insert, "$.a[1]", .text("new")) + diff(remove, #"$."k k""#)
        let changes = try JSONDiff.decode(vector[...])
        #expect(changes.map(\.operation) == [.insert, .remove])
        #expect(changes.map(\.path) == ["$.a[1]", #"$."k k""#])
        #expect(changes.map(\.value) == [.string("new"), nil])
        #expect(try JSONDiff.decode([][...]).isEmpty)
    }

    @Test("lengths of 251 and more use the 0xFC form of the length-encoded integer")
    func longPath() throws {
        let key = String(repeating: "k", count: 300)
        let result = try applied(diff(insert, "$." + key, .int16(1)))
        #expect(result.hasSuffix(#""k k": "v", ""# + key + #"": 1}"#))
    }
}

@Suite("JSON diff: rejected and hostile diffs")
struct JSONDiffRejectionTests {
    @Test("paths that do not match the document are rejected as MySQL rejects them")
    func notFound() throws {
        #expect(try applyError(diff(replace, "$.zz", .null))?.code == .malformed)
        #expect(try applyError(diff(replace, "$.a[3]", .null))?.code == .malformed)
        #expect(try applyError(diff(insert, "$.a", .null))?.code == .malformed)  // member exists
        #expect(try applyError(diff(insert, "$.q.r", .null))?.code == .malformed)  // no parent
        #expect(try applyError(diff(remove, "$.a[3]"))?.code == .malformed)
        #expect(try applyError(diff(remove, "$.nope"))?.code == .malformed)
        #expect(try applyError(diff(replace, "$.a.x", .null))?.code == .malformed)  // member leg on an array
        #expect(try applyError(diff(replace, "$[0]", .null))?.code == .malformed)  // no auto-wrapping
        #expect(try applyError(diff(replace, "$[0]", .null), to: .int(1))?.code == .malformed)
    }

    @Test("malformed diffs are rejected")
    func malformed() throws {
        #expect(try applyError([3, 1, 0x24])?.code == .malformed)  // operation 3
        #expect(try applyError(diff(replace, "a.b", .null))?.code == .malformed)  // no $
        #expect(try applyError(diff(replace, "$", .null))?.code == .malformed)  // whole document
        #expect(try applyError(diff(replace, "$.a[*]", .null))?.code == .malformed)
        #expect(try applyError(diff(replace, "$.*", .null))?.code == .malformed)
        #expect(try applyError(diff(replace, "$**.a", .null))?.code == .malformed)
        #expect(try applyError(diff(replace, "$.a[0 to 1]", .null))?.code == .malformed)
        #expect(try applyError(diff(replace, "$.a[99999999999]", .null))?.code == .malformed)
        #expect(try applyError(diff(replace, #"$."open"#, .null))?.code == .malformed)
        #expect(try applyError(Array(diff(replace, "$.a", .null).dropLast(3)))?.code == .truncated)
        #expect(try applyError([replace, 6] + Array("$.a[0]".utf8) + [0])?.code == .malformed)  // empty value
        #expect(try applyError([replace, 0xFB])?.code == .malformed)  // NULL length
        #expect(try applyError([replace, 0xFC, 0xFF, 0xFF, 0x24])?.code == .malformed)  // length past the end
        #expect(try applyError([replace, 6] + Array("$.a[0]".utf8) + [3, 0x0C, 0x05, 0x61])?.code == .truncated)
    }

    @Test("every truncation of a diff vector throws")
    func truncations() throws {
        let vector = diff(insert, "$.a[1]", .text("new")) + diff(remove, "$.b.x")
        let complete = try JSONDiff.apply(vector[...], to: try before())
        for length in 1..<vector.count {
            let prefix = Array(vector[0..<length])
            var result: JSONValue? = nil
            do { result = try JSONDiff.apply(prefix[...], to: try before()) } catch {}
            // The only prefix that is itself a complete diff vector is the first diff alone.
            if let result {
                #expect(length == diff(insert, "$.a[1]", .text("new")).count && result != complete)
            }
        }
    }

    @Test("values and paths that would nest too deep throw limitExceeded")
    func depth() throws {
        var nested = JSONBinaryBuilder.Node.null
        for _ in 0..<1000 { nested = .array([nested]) }
        #expect(try applyError(diff(replace, "$.a[0]", nested))?.code == .limitExceeded)
        let longPath = "$" + String(repeating: "[0]", count: 1001)
        #expect(try applyError(diff(replace, longPath, .null))?.code == .limitExceeded)
        var fits = JSONBinaryBuilder.Node.null
        for _ in 0..<998 { fits = .array([fits]) }
        let result = try JSONDiff.apply(diff(replace, "$.a[0]", fits)[...], to: try before())
        guard case .object(let members) = result, case .array(let items) = members[0].value else {
            Issue.record("unexpected shape")
            return
        }
        #expect(items.count == 3)
    }
}
