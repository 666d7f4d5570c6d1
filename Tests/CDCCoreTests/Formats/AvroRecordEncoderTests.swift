import BinlogDecoder
import Foundation
import Testing

@testable import CDCCore

/// `--format avro` checked by a real Avro implementation (Python `fastavro`): every row of real binlogs (MariaDB
/// 10.11's workload over every column type, with and without table-map metadata; MySQL 8 JSON and partial JSON
/// updates) is encoded with the schemas the catalog registered; fastavro parses those schemas, decodes each
/// Confluent-framed message (consuming every byte) and its values must equal the native JSON format's values for
/// the same row, after the representation differences docs/formats.md documents.
@Suite(.enabled(if: Fixtures.available && Python.hasFastavro, "fixtures or python3 fastavro missing"))
struct AvroRecordEncoderTests {
    /// Decodes `{"schemas": {id: json}, "messages": [hex]}`; prints one tagged JSON value per message.
    static let script = #"""
        import sys, json, io, base64, datetime, decimal
        import fastavro

        data = json.load(sys.stdin)
        schemas = {int(k): fastavro.parse_schema(json.loads(v)) for k, v in data["schemas"].items()}

        def tag(v):
            if v is None: return None
            if isinstance(v, bool): return "B:" + str(v)
            if isinstance(v, dict): return {k: tag(x) for k, x in v.items()}
            if isinstance(v, list): return [tag(x) for x in v]
            if isinstance(v, int): return "i:" + str(v)
            if isinstance(v, float): return "f:" + repr(v)
            if isinstance(v, str): return "s:" + v
            if isinstance(v, bytes): return "b:" + base64.b64encode(v).decode()
            if isinstance(v, decimal.Decimal): return "d:" + format(v, "f")
            if isinstance(v, datetime.datetime):
                return "T:%04d-%02d-%02d %02d:%02d:%02d.%06d" % (
                    v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
            if isinstance(v, datetime.date): return "D:%04d-%02d-%02d" % (v.year, v.month, v.day)
            raise ValueError("unexpected %r" % (v,))

        out = []
        for message in data["messages"]:
            raw = bytes.fromhex(message)
            assert raw[0] == 0, "magic byte"
            buffer = io.BytesIO(raw[5:])
            record = fastavro.schemaless_reader(buffer, schemas[int.from_bytes(raw[1:5], "big")])
            assert buffer.tell() == len(raw) - 5, "%d bytes left over" % (len(raw) - 5 - buffer.tell())
            out.append(tag(record))
        print(json.dumps(out))
        """#

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    @Test(arguments: [
        ("mariadb/full-metadata/mysql-bin.000001", true),
        ("mariadb/minimal-metadata/mysql-bin.000001", true),
        ("mysql/json.binlog.000001", false),
    ])
    func fixtureRowsDecodeInFastavro(file: String, isMariaDB: Bool) throws {
        let catalog = try AvroSchemaCatalog(topic: { "fixture.\($0).\($1)" })
        let encoder = AvroRecordEncoder(catalog: catalog, mariadb: isMariaDB)
        let fixture = try FixtureRowChanges(file: file, isMariaDB: isMariaDB) { try encoder.prepare($0) }
        var messages: [String] = []
        var expected: [Any?] = []
        var skipped = 0
        for change in fixture.changes {
            let encoding = try #require(change.table.encoding as? AvroTableEncoding)
            var value = OutputBuffer(capacity: 256)
            do {
                try encoder.appendValue(
                    change.operation, table: change.table, before: change.before, after: change.after,
                    bytes: change.bytes, side: change.side, source: change.source, into: &value)
            } catch {
                // Only images that lack columns (MySQL's partial JSON updates log a MINIMAL-style image) may fail,
                // with the error docs/formats.md describes.
                let absent = (change.before ?? []) + (change.after ?? [])
                #expect(absent.contains(.absent), "\(error)")
                #expect(error.code == .missingContext && error.message.contains("binlog_row_image=FULL"), "\(error)")
                skipped += 1
                continue
            }
            messages.append(Self.hex(value.array))
            expected.append(try Self.expectedEnvelope(change, encoding: encoding))
            let image = try #require(change.after ?? change.before)
            var key = OutputBuffer(capacity: 64)
            try encoder.appendKey(table: change.table, image: image, bytes: change.bytes, side: change.side, into: &key)
            #expect(Array(key.array.prefix(5)) == [0] + Self.bigEndian(encoding.key.id))
            messages.append(Self.hex(key.array))
            expected.append(
                try Self.expectedRow(
                    change.table.keyColumns, image, change: change, encoding: encoding,
                    names: Self.fieldNames(encoding.schema.key)))
        }
        #expect(messages.count >= 20, "\(file): \(messages.count) messages, \(skipped) rows without a full image")
        var schemas: [String: String] = [:]
        for record in catalog.records { schemas[String(record.id)] = record.schema }
        let input = try JSONSerialization.data(withJSONObject: ["schemas": schemas, "messages": messages])
        let result = try Python.run(["python3", "-c", Self.script], input: input)
        try #require(result.status == 0, "\(result.output.prefix(2000))")
        let decoded = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8), options: [.fragmentsAllowed]) as? [Any])
        try #require(decoded.count == messages.count)
        var mismatches: [String] = []
        for (index, actual) in decoded.enumerated() {
            let wanted = expected[index] ?? NSNull()
            if !Self.same(actual, wanted) {
                mismatches.append("message \(index): fastavro \(actual) vs expected \(wanted)")
            }
        }
        #expect(
            mismatches.count == 0,
            "\(file): \(mismatches.count) mismatches:\n\(mismatches.prefix(5).joined(separator: "\n"))")
    }

    // MARK: - --exclude-column / --mask-column

    /// The filter of the test below: the primary key masked (a NOT NULL key field), dates and BIGINTs excluded,
    /// strings and timestamps masked (nullable fields).
    static let filter = ColumnFilter(
        excludes: ["*.*.dt*", "*.t_int.bi*"], masks: ["*.*.id", "*.t_string.*", "*.*.ts*"])

    /// With `--exclude-column` / `--mask-column`, the Avro messages decode (fastavro) to the same columns and masked
    /// values as the native JSON record with the same filter: excluded columns absent from the schemas and the
    /// messages, masked ones the JSON record's digest strings, every other value as without a filter.
    @Test func filteredColumnsMatchTheJSONRecord() throws {
        let catalog = try AvroSchemaCatalog(topic: { "fixture.\($0).\($1)" })
        let encoder = AvroRecordEncoder(catalog: catalog, mariadb: true)
        let json = JSONRecordEncoder()
        let fixture = try FixtureRowChanges(file: "mariadb/full-metadata/mysql-bin.000001", isMariaDB: true) {
            $0.columnActions = Self.filter.actions(for: $0)
            try encoder.prepare($0)
        }
        var messages: [String] = []
        var expected: [Any?] = []
        var masked = 0
        var excluded = 0
        for change in fixture.changes {
            let encoding = try #require(change.table.encoding as? AvroTableEncoding)
            let actions = change.table.columnActions ?? []
            var value = OutputBuffer(capacity: 256)
            try encoder.appendValue(
                change.operation, table: change.table, before: change.before, after: change.after,
                bytes: change.bytes, side: change.side, source: change.source, into: &value)
            var record = OutputBuffer(capacity: 256)
            try json.appendValue(
                change.operation, table: change.table, before: change.before, after: change.after,
                bytes: change.bytes, side: change.side, source: change.source, into: &record)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.array)) as? [String: Any])
            var imageless = change
            imageless.before = nil
            imageless.after = nil
            var envelope = try Self.expectedEnvelope(imageless, encoding: encoding)
            let names = Self.fieldNames(Self.rowRecord(encoding.schema.value))
            for side in ["before", "after"] {
                guard let image = side == "before" ? change.before : change.after else { continue }
                let jsonRow = try #require(object[side] as? [String: Any])
                envelope[side] = try Self.filteredRow(
                    Array(0..<change.table.columns.count), image, jsonRow: jsonRow, change: change,
                    encoding: encoding, names: names)
                masked += actions.filter { $0 == .mask }.count
                excluded += actions.filter { $0 == .exclude }.count
            }
            messages.append(Self.hex(value.array))
            expected.append(envelope)
            let image = try #require(change.after ?? change.before)
            var key = OutputBuffer(capacity: 64)
            try encoder.appendKey(table: change.table, image: image, bytes: change.bytes, side: change.side, into: &key)
            var jsonKey = OutputBuffer(capacity: 64)
            try json.appendKey(
                table: change.table, image: image, bytes: change.bytes, side: change.side, into: &jsonKey)
            messages.append(Self.hex(key.array))
            expected.append(
                try Self.filteredRow(
                    change.table.keyColumns, image,
                    jsonRow: try #require(
                        try JSONSerialization.jsonObject(with: Data(jsonKey.array)) as? [String: Any]),
                    change: change, encoding: encoding, names: Self.fieldNames(encoding.schema.key)))
        }
        #expect(messages.count >= 20 && masked >= 20 && excluded >= 5, "\(messages.count) \(masked) \(excluded)")
        // The schemas: no excluded field, masked fields strings (nullable as the column).
        var schemaProblems: [String] = []
        for table in fixture.tables {
            let encoding = try #require(table.encoding as? AvroTableEncoding)
            let fields = Self.fields(Self.rowRecord(encoding.schema.value)) + Self.fields(encoding.schema.key)
            for (index, action) in (table.columnActions ?? []).enumerated() where action != .keep {
                let name = table.map.columns[index].name ?? ""
                for field in fields where field.name == name {
                    let nullable = table.map.columns[index].nullable && !table.map.primaryKey.contains(index)
                    if action == .exclude || field.type != (nullable ? AvroType.string.nullable : .string) {
                        schemaProblems.append("\(table.qualifiedName).\(name): \(action) but \(field.type)")
                    }
                }
            }
        }
        #expect(schemaProblems.isEmpty, "\(schemaProblems.prefix(5))")
        var schemas: [String: String] = [:]
        for record in catalog.records { schemas[String(record.id)] = record.schema }
        let input = try JSONSerialization.data(withJSONObject: ["schemas": schemas, "messages": messages])
        let result = try Python.run(["python3", "-c", Self.script], input: input)
        try #require(result.status == 0, "\(result.output.prefix(2000))")
        let decoded = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8), options: [.fragmentsAllowed]) as? [Any])
        try #require(decoded.count == messages.count)
        var mismatches: [String] = []
        for (index, actual) in decoded.enumerated() where !Self.same(actual, expected[index] ?? NSNull()) {
            mismatches.append("message \(index): fastavro \(actual) vs expected \(expected[index] ?? NSNull())")
        }
        #expect(
            mismatches.count == 0, "\(mismatches.count) mismatches:\n\(mismatches.prefix(3).joined(separator: "\n"))")
    }

    /// The expected row with the filter: excluded columns absent (and absent from the JSON record), masked ones the
    /// JSON record's string, the others as `expectedValue` derives them.
    static func filteredRow(
        _ indices: [Int], _ image: [ColumnValue], jsonRow: [String: Any], change: FixtureRowChanges.Change,
        encoding: AvroTableEncoding, names: [String]
    ) throws -> [String: Any] {
        var row: [String: Any] = [:]
        var position = 0
        for index in indices {
            let column = change.table.map.columns[index].name ?? "@\(index + 1)"
            switch change.table.columnActions?[index] ?? .keep {
            case .exclude:
                if jsonRow[column] != nil { throw Failure(description: "JSON record has excluded \(column)") }
                continue
            case .mask:
                let digest = jsonRow[column]
                row[names[position]] = (digest as? String).map { "s:" + $0 } ?? NSNull()
            case .keep:
                row[names[position]] =
                    try expectedValue(
                        image[index], plan: encoding.columns[index], info: change.table.columns[index],
                        bytes: change.bytes, side: change.side) ?? NSNull()
            }
            position += 1
        }
        return row
    }

    static func fields(_ type: AvroType) -> [AvroField] {
        guard case .record(let record) = type else { return [] }
        return record.fields
    }

    // MARK: - Expected values, from the JSON format's rendering of the same values

    static func expectedEnvelope(_ change: FixtureRowChanges.Change, encoding: AvroTableEncoding) throws -> [String:
        Any]
    {
        let names = fieldNames(rowRecord(encoding.schema.value))
        let all = Array(0..<change.table.columns.count)
        let file = String(decoding: change.source.file, as: UTF8.self)
        let op: String
        switch change.operation {
        case .insert: op = "insert"
        case .update: op = "update"
        case .delete: op = "delete"
        case .read: op = "read"
        }
        return [
            "op": "s:" + op, "db": "s:" + change.table.map.database, "table": "s:" + change.table.map.table,
            "before": try change.before.map {
                try expectedRow(all, $0, change: change, encoding: encoding, names: names)
            }
                ?? NSNull(),
            "after": try change.after.map { try expectedRow(all, $0, change: change, encoding: encoding, names: names) }
                ?? NSNull(),
            "source": [
                "server_id": "i:\(change.source.serverID)", "file": "s:" + file, "pos": "i:\(change.source.position)",
                "row": "i:\(change.source.row)",
                "gtid": change.source.gtid.map { "s:" + String(decoding: $0, as: UTF8.self) } ?? NSNull(),
                "ts": "i:\(change.source.timestamp)",
            ] as [String: Any],
            "key": "s:\(file):\(change.source.position):\(change.source.row)",
        ]
    }

    static func expectedRow(
        _ indices: [Int], _ image: [ColumnValue], change: FixtureRowChanges.Change, encoding: AvroTableEncoding,
        names: [String]
    ) throws -> [String: Any] {
        var row: [String: Any] = [:]
        for (position, index) in indices.enumerated() {
            row[names[position]] =
                try expectedValue(
                    image[index], plan: encoding.columns[index], info: change.table.columns[index],
                    bytes: change.bytes, side: change.side) ?? NSNull()
        }
        return row
    }

    /// The tagged value fastavro must decode, derived from the JSON format's text for the value.
    static func expectedValue(
        _ value: ColumnValue, plan: AvroColumnPlan, info: ColumnRenderInfo, bytes: [UInt8], side: [UInt8]
    ) throws -> Any? {
        if case .null = value { return nil }
        if AvroValueWriter.isZeroTemporal(value) {
            if plan.nullable { return nil }
            return plan.target == .date ? "D:1970-01-01" : "T:1970-01-01 00:00:00.000000"
        }
        var out = OutputBuffer(capacity: 256)
        try ValueRenderer.append(value, info: info, bytes: bytes, side: side, into: &out)
        let json = String(decoding: out.array, as: UTF8.self)
        let unquoted = json.hasPrefix("\"") ? String(json.dropFirst().dropLast()) : json
        switch plan.target {
        case .long: return "i:" + json
        case .decimal: return "d:" + unquoted
        case .float: return "f:\(try number(Float(json)))"
        case .double: return "f:\(try number(Double(json)))"
        case .date: return "D:" + unquoted
        case .timestampMicros:
            guard let dot = unquoted.firstIndex(of: ".") else { return "T:" + unquoted + ".000000" }
            let fraction = unquoted[unquoted.index(after: dot)...]
            return "T:" + unquoted + String(repeating: "0", count: 6 - fraction.count)
        case .timeMicros:
            let negative = unquoted.hasPrefix("-")
            let parts = unquoted.drop { $0 == "-" }.split(separator: ":")
            let seconds = parts[2].split(separator: ".")
            let fraction = seconds.count > 1 ? String(seconds[1]) : ""
            let micros =
                (try number(Int64(parts[0])) * 3600 + number(Int64(parts[1])) * 60 + number(Int64(seconds[0])))
                * 1_000_000
                + (fraction.isEmpty ? 0 : try number(Int64(fraction.padding(toLength: 6, withPad: "0", startingAt: 0))))
            return "i:\(negative ? -micros : micros)"
        case .string:
            if info.column.type == .json { return "s:" + json }
            let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
            return "s:" + ((parsed as? String) ?? json)
        case .bytes:
            switch value {
            case .geometry:
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
                let srid = try #require(object["srid"] as? NSNumber).uint32Value
                let text = try #require(object["wkb"] as? String)
                let wkb = try #require(Data(base64Encoded: text))
                let raw = (0..<4).map { UInt8(truncatingIfNeeded: srid >> (8 * UInt32($0))) } + [UInt8](wkb)
                return "b:" + Data(raw).base64EncodedString()
            case .bit(let bits):
                return "b:"
                    + Data((0..<8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * UInt64($0))) })
                    .base64EncodedString()
            default:
                return "b:" + unquoted
            }
        case .floatArray:
            let array = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [NSNumber])
            return array.map { "f:\(Float($0.doubleValue))" }
        }
    }

    /// Tagged values are equal; fastavro's floats (`f:` + Python repr of the widened value) compare as numbers.
    static func same(_ actual: Any, _ expected: Any) -> Bool {
        switch (actual, expected) {
        case (is NSNull, is NSNull): return true
        case (let actual as [String: Any], let expected as [String: Any]):
            return actual.count == expected.count
                && actual.allSatisfy { key, value in expected[key].map { same(value, $0) } ?? false }
        case (let actual as [Any], let expected as [Any]):
            return actual.count == expected.count && zip(actual, expected).allSatisfy { same($0, $1) }
        case (let actual as String, let expected as String):
            if actual.hasPrefix("f:"), expected.hasPrefix("f:"),
                let left = Double(actual.dropFirst(2)), let right = Double(expected.dropFirst(2))
            {
                return left == right || Float(left) == Float(right)
            }
            return actual == expected
        default: return false
        }
    }

    static func number<T>(_ value: T?) throws -> T {
        guard let value else { throw Failure(description: "not a number") }
        return value
    }

    static func rowRecord(_ envelope: AvroType) -> AvroType {
        guard case .record(let record) = envelope,
            let before = record.fields.first(where: { $0.name == "before" }),
            case .union(let branches) = before.type
        else { return envelope }
        return branches[1]
    }

    static func fieldNames(_ type: AvroType) -> [String] {
        guard case .record(let record) = type else { return [] }
        return record.fields.map(\.name)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bigEndian(_ id: Int32) -> [UInt8] {
        let raw = UInt32(bitPattern: id)
        return [UInt8(raw >> 24), UInt8((raw >> 16) & 0xff), UInt8((raw >> 8) & 0xff), UInt8(raw & 0xff)]
    }
}
