import Foundation
import Testing

/// One variant of the MariaDB 10.11 workload in `../shared/fixtures/mariadb/`: the same statements under different
/// server settings.
enum MariaDBVariant: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// binlog_row_metadata=FULL: records carry column names, charsets, ENUM/SET labels, signedness.
    case fullMetadata = "full-metadata"
    /// The 10.11 default (NO_LOG): no optional metadata, columns are @1…@N.
    case minimalMetadata = "minimal-metadata"
    /// log_bin_compress=ON (compressed query and rows events), metadata as minimal-metadata.
    case compressed

    var testDescription: String { rawValue }

    var directory: URL? { SharedFixtures.root?.appendingPathComponent("mariadb/\(rawValue)", isDirectory: true) }

    /// The variant's binlogs in order. mysql-bin.000002 holds t_temporal_legacy (MariaDB 5.3 TIME/DATETIME/TIMESTAMP
    /// storage, written with mysql56_temporal_format=OFF).
    var binlogs: [URL] { (1...4).compactMap { directory?.appendingPathComponent("mysql-bin.00000\($0)") } }

    /// Whether records name their columns (from the table map's FULL metadata).
    var recordsNameColumns: Bool { self == .fullMetadata }

    /// The fewest tables that must be compared (fully or on common columns): with names all 23; by ordinal all but
    /// t_ddl.
    var minimumComparedTables: Int { recordsNameColumns ? 23 : 22 }
}

/// How one ground-truth table is compared.
enum TableComparison: Equatable {
    case full
    /// Only the columns that both our replayed row and ground truth have (see the reason).
    case commonColumns(reason: String)
    case skip(reason: String)

    static func plan(table: String, recordsNameColumns: Bool) -> TableComparison {
        switch table {
        case "t_ddl":
            if recordsNameColumns {
                return .commonColumns(
                    reason:
                        "ALTER TABLE t_ddl ADD COLUMN d DEFAULT 'dflt' / ADD COLUMN first_col FIRST, mid_col AFTER a / "
                        + "DROP COLUMN b change rows without row events: rows that no later event touched keep their old column set "
                        + "in the stream (the new columns got DDL defaults, b only disappears in the server)")
            }
            return .skip(
                reason:
                    "ADD COLUMN first_col FIRST, mid_col AFTER a and DROP COLUMN b renumber t_ddl's columns mid-stream, "
                    + "so @N in earlier records is not ground truth's N-th column (ground truth lists the final order only)"
            )
        case "t_renamed":
            return .commonColumns(
                reason:
                    "rows 1–3 were written as t_rename_me (id, v) before RENAME TABLE (followed from the QUERY event); "
                    + "RENAME COLUMN v TO v2 and ADD COLUMN extra DEFAULT 18446744073709551615 then change rows without row events, so v2 "
                    + "(named) / extra of rows no later event touched are not in the stream. By ordinal @1, @2 still map to id, v2 "
                    + "(the rename keeps the position, extra is appended)")
        default:
            return .full
        }
    }
}

/// What ground truth says a column holds, in the terms of our record format (see `MariaDBGroundTruthTests`'s rules).
enum ExpectedValue: CustomStringConvertible {
    case null
    /// Any JSON equal to this (numbers by value).
    case json(JSONValue)
    /// An exact integer; with `wrapBits`, a negative record value is read as two's complement of that width (no
    /// signedness metadata: the decoder must print integers signed).
    case integer(Int128, wrapBits: Int?)
    /// A FLOAT: equal after rounding both sides to float32.
    case float32(Double)
    /// Base64 of these bytes; with `padTo`, both sides are right-padded with 0x00 to that length first.
    case bytes([UInt8], padTo: Int?)
    /// `{"srid": N, "wkb": base64}`.
    case geometry(srid: Int128, wkb: [UInt8])

    var description: String {
        switch self {
        case .null: return "null"
        case .json(let value): return value.abbreviated()
        case .integer(let value, let wrapBits): return wrapBits.map { "\(value) (unsigned \($0)-bit)" } ?? "\(value)"
        case .float32(let value): return "\(Float(value)) (float32)"
        case .bytes(let bytes, let padTo):
            let text = Data(bytes).base64EncodedString()
            let shown = text.count > 120 ? String(text.prefix(120)) + "…(\(bytes.count) bytes)" : text
            return "base64 \"\(shown)\"" + (padTo.map { " (0x00-padded to \($0))" } ?? "")
        case .geometry(let srid, let wkb): return "{srid: \(srid), wkb: \(Data(wkb).base64EncodedString().prefix(120))}"
        }
    }

    func matches(_ ours: JSONValue) -> Bool {
        switch self {
        case .null:
            return ours.isNull
        case .json(let expected):
            return ours == expected
        case .integer(let expected, let wrapBits):
            guard var value = ours.integerValue else { return false }
            if let bits = wrapBits, value < 0 { value += Int128(1) << bits }
            return value == expected
        case .float32(let expected):
            guard let value = ours.doubleValue else { return false }
            return Float(value) == Float(expected)
        case .bytes(let expected, let padTo):
            guard let text = ours.stringValue, let decoded = Data(base64Encoded: text) else { return false }
            var have = Array(decoded)
            var want = expected
            if let length = padTo {
                if have.count < length { have += Array(repeating: 0, count: length - have.count) }
                if want.count < length { want += Array(repeating: 0, count: length - want.count) }
            }
            return have == want
        case .geometry(let srid, let wkb):
            guard let object = ours.objectValue, object["srid"]?.integerValue == srid,
                let text = object["wkb"]?.stringValue, let decoded = Data(base64Encoded: text)
            else { return false }
            return Array(decoded) == wkb
        }
    }
}

/// Replays every record of a variant's binlogs (one `binlog-sink parse` over mysql-bin.000001…000004) into tables
/// and compares them with ground_truth.json, table by table.
///
/// Normalisation happens only where the documented renderings differ (fixtures/README.md, ground truth's
/// "rendering" notes, docs/record-format.md):
/// - binary values (BINARY, VARBINARY, BLOBs): ground truth is lowercase hex, ours base64 — compare the bytes.
///   BINARY(n) is padded to n by the server in ground truth and, by the record format, in ours.
/// - INET4 / INET6 / UUID: ground truth is the server's text (`::1`, `127.0.0.1`, `6ba7b810-9dad-…`); the binlog
///   carries the fixed-length binary form with trailing zero bytes stripped, which the record format renders as
///   base64 of the bytes padded to 4 / 16 (until a schema registry knows the type). Expected bytes: the address
///   bytes in network order; the UUID's 16 bytes in text order (that is how 10.11 logs them: row 2's
///   6ba7b810-9dad-11d1-… is logged as 6b a7 b8 10 9d ad 11 d1 …).
/// - FLOAT: ground truth is the float32 value widened to double, ours the shortest round-trip text: compare after
///   rounding both to Float.
/// - JSON (MariaDB stores it as LONGTEXT): ground truth gives the parsed value plus `<col>__raw`; ours is the text:
///   compare with `__raw`.
/// - GEOMETRY: ground truth is hex WKB plus `<col>__srid`; ours `{"srid", "wkb": base64}`.
/// Without metadata (minimal-metadata, compressed) the decoder cannot know more than the binlog types, so:
/// - columns are @1…@N and map by ordinal onto ground truth's `columns` (the final column order);
/// - CHAR/VARCHAR/TEXT (and JSON) values are base64 of their bytes in the column's character set (UTF-8 for
///   utf8mb4/utf8mb3, cp1252 for latin1, ASCII), charsets taken from statements.sql's CREATE statements;
/// - fixed-length strings (CHAR, BINARY, INET, UUID) cannot be told apart, so the decoder cannot know whether to pad:
///   both sides are right-padded with 0x00 to the column's byte length before comparing;
/// - ENUM is the 1-based index of the ground-truth label in the column type's member list (the invalid value 0 stays
///   "", as with labels), SET the bitmask of its members;
/// - integers are printed signed (no signedness metadata): for UNSIGNED columns a negative value is read as two's
///   complement of the column's width.
@Suite(
    "MariaDB workload against ground truth",
    .enabled(
        if: SharedFixtures.root != nil,
        "shared fixtures not found (../shared/fixtures or $BINLOG_SINK_FIXTURES): skipping"))
struct MariaDBGroundTruthTests {
    struct Mismatch: CustomStringConvertible {
        var table: String
        var key: String
        var column: String
        var ours: String
        var expected: String
        var description: String { "\(table) [\(key)] \(column): ours \(ours) vs expected \(expected)" }
    }

    @Test("replaying every record reproduces ground_truth.json", arguments: MariaDBVariant.allCases)
    func replayMatchesGroundTruth(variant: MariaDBVariant) throws {
        let directory = try #require(variant.directory)
        let truth = try GroundTruth(contentsOf: directory.appendingPathComponent("ground_truth.json"))
        let charsets = try DeclaredCharsets(statementsAt: directory.appendingPathComponent("statements.sql"))
        #expect(truth.binlogRowMetadata == (variant.recordsNameColumns ? "FULL" : "NO_LOG"))
        let named = variant.recordsNameColumns

        // 1. Parse all four binlogs in one invocation; list their events for the DDL that has no row events.
        let run = try ParseRun.parse(variant.binlogs)
        #expect(run.status == 0, "\(run.summary)")
        #expect(!run.stderr.contains("error"), "stderr: \(run.stderr.prefix(800))")
        let records = try run.records()
        let events = try ParseRun.events(variant.binlogs)
        #expect(events.status == 0, "\(events.summary)")
        let fileOrder = Dictionary(
            uniqueKeysWithValues: variant.binlogs.enumerated().map { ($0.element.lastPathComponent, $0.offset) })
        var ddl: [(file: Int, pos: Int, statement: TableDDL)] = []
        for line in try events.eventLines() where !line.inPayload {
            guard let query = line["query"]?.stringValue, let file = line.file.flatMap({ fileOrder[$0] }),
                let pos = line.pos,
                let statement = TableDDL.parse(query, defaultDatabase: line["db"]?.stringValue)
            else { continue }
            ddl.append((file, pos, statement))
        }
        #expect(
            ddl.map(\.statement.description).contains("TRUNCATE \(truth.schema).t_late"),
            "TRUNCATE t_late found among the QUERY events")

        // 2. The stream itself: well-formed, GTIDs on every record, counts equal to mariadb-binlog's per table/op.
        var streamProblems: [String] = []
        for record in records {
            streamProblems += record.contractViolations().map { "\($0) in \(record.key)" }
            if fileOrder[record.file] == nil { streamProblems.append("unknown source.file \(record.file)") }
            if record.gtid.map({ $0.split(separator: "-").count == 3 }) != true {
                streamProblems.append("\(record.key): gtid \(record.gtid ?? "null") is not domain-server-seq")
            }
        }
        if Set(records.map(\.key)).count != records.count { streamProblems.append("keys are not unique") }
        expectNoProblems(streamProblems, "\(variant.rawValue) stream")
        try checkCountsAgainstMariaDBBinlog(records, directory: directory, variant: variant)

        // 3. Replay, following TRUNCATE/DROP/RENAME at their place in the stream.
        func columnName(_ table: String, _ key: String) -> String? {
            if named { return key }
            guard key.hasPrefix("@"), let ordinal = Int(key.dropFirst()), let columns = truth.tables[table]?.columns,
                columns.indices.contains(ordinal - 1)
            else { return nil }
            return columns[ordinal - 1].name
        }
        let schemaPrefix = truth.schema + "."
        var replayer = RecordReplayer(primaryKey: { tableKey in
            guard tableKey.hasPrefix(schemaPrefix),
                let table = truth.tables[String(tableKey.dropFirst(schemaPrefix.count))],
                !table.primaryKey.isEmpty
            else { return nil }
            if named { return table.primaryKey }
            return table.primaryKey.compactMap { name in
                table.columns.firstIndex { $0.name == name }.map { "@\($0 + 1)" }
            }
        })
        var pending = ddl.sorted { ($0.file, $0.pos) < ($1.file, $1.pos) }[...]
        for record in records {
            let place = (fileOrder[record.file] ?? 0, record.pos)
            while let next = pending.first, (next.file, next.pos) < place {
                next.statement.apply(to: &replayer)
                pending = pending.dropFirst()
            }
            replayer.apply(record)
        }
        for remaining in pending { remaining.statement.apply(to: &replayer) }

        // 4. Rolled-back work: InnoDB rollbacks never reach the binlog; the Aria (non-transactional) insert inside
        // the rolled-back transaction does, and ground truth has it too.
        func ids(_ table: String) -> [JSONValue] {
            records.filter { $0.tableKey == schemaPrefix + table }.compactMap { record in
                (record.after ?? record.before)?.entries.first { columnName(table, $0.key) == "id" }?.value
            }
        }
        for rolledBack in ["300", "401", "500"] {
            #expect(
                !ids("t_int").contains(.number(rolledBack)),
                "t_int id \(rolledBack) was rolled back and must not appear")
        }
        #expect(
            ids("t_aria").contains(.number("3")),
            "t_aria id 3 (non-transactional, inserted in a rolled-back transaction) is in the binlog")

        // 5. Compare table by table.
        var mismatches: [Mismatch] = []
        var compared: [String] = []
        var partial: [String] = []
        var skipped: [String] = []
        for name in truth.tableNames {
            guard let table = truth.tables[name] else { continue }
            let plan = TableComparison.plan(table: name, recordsNameColumns: named)
            if case .skip(let reason) = plan {
                skipped.append("\(name) (\(reason))")
                continue
            }
            let tableKey = schemaPrefix + name
            for anomaly in replayer.anomalies where anomaly.table == tableKey {
                mismatches.append(
                    Mismatch(table: name, key: "replay", column: "-", ours: anomaly.message, expected: "a clean replay")
                )
            }
            var ours: [JSONObject] = []
            for row in replayer.rows(tableKey) {
                var mapped = JSONObject()
                for (key, value) in row.entries {
                    guard let column = columnName(name, key) else {
                        mismatches.append(
                            Mismatch(
                                table: name, key: "mapping", column: key, ours: value.abbreviated(),
                                expected: "a column of \(table.columns.map(\.name))"))
                        continue
                    }
                    mapped[column] = value
                }
                ours.append(mapped)
            }
            let commonOnly: Bool
            if case .commonColumns = plan { commonOnly = true } else { commonOnly = false }
            mismatches += MariaDBGroundTruthTests.compare(
                table: table, ours: ours, commonOnly: commonOnly, named: named, charsets: charsets)
            compared.append(name)
            if case .commonColumns(let reason) = plan { partial.append("\(name) (\(reason))") }
        }
        // Tables with rows that ground truth does not have (t_dropped was dropped, t_rename_me renamed).
        for (tableKey, rows) in replayer.tables where !rows.isEmpty {
            let name = tableKey.hasPrefix(schemaPrefix) ? String(tableKey.dropFirst(schemaPrefix.count)) : tableKey
            if truth.tables[name] == nil {
                mismatches.append(
                    Mismatch(
                        table: name, key: "-", column: "-", ours: "\(rows.count) rows",
                        expected: "no such table at the end"))
            }
        }

        let summary =
            "\(variant.rawValue): \(records.count) records; compared \(compared.count) of \(truth.tables.count) tables "
            + "(\(partial.count) on common columns only: \(partial.map { entry in entry.prefix { $0 != " " } }.joined(separator: ", "))); "
            + "skipped \(skipped.count): \(skipped.joined(separator: "; ")); \(mismatches.count) mismatches"
        print(summary)
        #expect(compared.count >= variant.minimumComparedTables, "\(summary)")
        var perTable: [String: Int] = [:]
        for mismatch in mismatches {
            perTable[mismatch.table, default: 0] += 1
            if perTable[mismatch.table, default: 0] <= 15 {
                Issue.record("\(variant.rawValue): \(mismatch)")
            }
        }
        for (table, count) in perTable.sorted(by: { $0.key < $1.key }) where count > 15 {
            Issue.record("\(variant.rawValue): \(table): \(count - 15) more mismatches not shown")
        }
    }

    /// Our record count per `db.table` and operation in mysql-bin.000001 equals what mariadb-binlog printed
    /// (binlog_summary.json). It could not decode mysql-bin.000002 (5.3 temporal types without metadata).
    private func checkCountsAgainstMariaDBBinlog(_ records: [BinlogRecord], directory: URL, variant: MariaDBVariant)
        throws
    {
        let summary = try JSONParser.parse(
            bytes: Array(try Data(contentsOf: directory.appendingPathComponent("binlog_summary.json"))))
        let expected = try #require(summary["mysql-bin.000001"]?["row_images_by_mariadb_binlog"]?.objectValue)
        var ours: [String: Int] = [:]
        for record in records where record.file == "mysql-bin.000001" {
            ours["\(record.tableKey) \(record.op.rawValue.uppercased())", default: 0] += 1
        }
        var problems: [String] = []
        for key in Set(ours.keys).union(expected.keys).sorted() {
            let want = expected[key]?.integerValue.map { Int($0) } ?? 0
            if ours[key, default: 0] != want {
                problems.append("\(key): \(ours[key, default: 0]) records, mariadb-binlog printed \(want)")
            }
        }
        expectNoProblems(problems, "\(variant.rawValue) mysql-bin.000001 row counts")
    }

    // MARK: comparison

    static func compare(
        table: GroundTruth.Table, ours: [JSONObject], commonOnly: Bool, named: Bool, charsets: DeclaredCharsets
    ) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        var unmatched = Array(ours.indices)
        let keyColumns = table.primaryKey.isEmpty ? table.columns.map(\.name) : table.primaryKey
        func describeKey(_ row: JSONObject) -> String {
            keyColumns.map { "\($0)=\(row[$0]?.abbreviated(40) ?? "?")" }.joined(separator: ",")
        }
        func valueMatches(_ oursRow: JSONObject, _ truthRow: JSONObject, _ column: GroundTruth.Column) -> Bool? {
            guard let value = oursRow[column.name] else { return commonOnly ? nil : false }
            guard
                let expected = try? expectedValue(truthRow, column, table: table.name, named: named, charsets: charsets)
            else { return false }
            return expected.matches(value)
        }
        for truthRow in table.rows {
            // Find our row with the same key (all columns for a table without primary key), compared by the rules.
            let keyMatch = unmatched.firstIndex { index in
                keyColumns.allSatisfy { name in
                    guard let column = table.column(name) else { return false }
                    return valueMatches(ours[index], truthRow, column) != false
                }
            }
            guard let position = keyMatch else {
                mismatches.append(
                    Mismatch(
                        table: table.name, key: describeKey(truthRow), column: "(row)", ours: "missing",
                        expected: JSONValue.object(truthRow).abbreviated(300)))
                continue
            }
            let oursRow = ours[unmatched.remove(at: position)]
            for column in table.columns {
                if valueMatches(oursRow, truthRow, column) != false { continue }
                let expected: String
                do {
                    expected = try expectedValue(truthRow, column, table: table.name, named: named, charsets: charsets)
                        .description
                } catch {
                    expected = "(no expectation: \(error))"
                }
                mismatches.append(
                    Mismatch(
                        table: table.name, key: describeKey(truthRow), column: column.name,
                        ours: oursRow[column.name]?.abbreviated() ?? "absent",
                        expected: "\(expected) [\(column.columnType)]"))
            }
        }
        for index in unmatched {
            mismatches.append(
                Mismatch(
                    table: table.name, key: describeKey(ours[index]), column: "(row)",
                    ours: JSONValue.object(ours[index]).abbreviated(300), expected: "no such row"))
        }
        return mismatches
    }

    struct RuleError: Error, CustomStringConvertible {
        var description: String
    }

    /// Ground truth's value for `column`, in the record format's terms for this variant (rules in the suite's doc).
    static func expectedValue(
        _ row: JSONObject, _ column: GroundTruth.Column, table: String, named: Bool, charsets: DeclaredCharsets
    ) throws -> ExpectedValue {
        let name = column.name
        guard let value = row[name] else { throw RuleError(description: "ground truth row has no \(name)") }
        // A JSON column: `__raw` is the stored text (null only for SQL NULL; JSON null is the text "null").
        if let raw = row[name + "__raw"] {
            guard let text = raw.stringValue else { return .null }
            if named { return .json(.string(text)) }
            return .bytes(Array(text.utf8), padTo: nil)
        }
        if value.isNull { return .null }
        switch column.dataType {
        case "tinyint", "smallint", "mediumint", "int", "bigint":
            let number = try integer(value)
            let bits = ["tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "bigint": 64][column.dataType]
            return .integer(number, wrapBits: !named && column.isUnsigned ? bits : nil)
        case "year", "bit":
            return .integer(try integer(value), wrapBits: nil)
        case "float":
            guard let number = value.doubleValue else { throw RuleError(description: "FLOAT \(value) is not a number") }
            return .float32(number)
        case "double", "decimal", "date", "datetime", "timestamp", "time":
            return .json(value)
        case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
            guard let text = value.stringValue else {
                throw RuleError(description: "\(name): text expected, got \(value)")
            }
            if named { return .json(.string(text)) }
            let charset = charsets.charset(table: table, column: name) ?? "utf8mb4"
            guard let bytes = DeclaredCharsets.encode(text, charset: charset) else {
                throw RuleError(description: "\(name): cannot encode \(text.prefix(40)) in \(charset)")
            }
            var padTo: Int?
            if column.dataType == "char", let length = column.declaredLength,
                let width = DeclaredCharsets.maxBytesPerCharacter(charset)
            {
                padTo = length * width
            }
            return .bytes(bytes, padTo: padTo)
        case "enum":
            guard let label = value.stringValue else { throw RuleError(description: "ENUM \(value) is not text") }
            // The invalid value 0 is "" with or without labels (docs/record-format.md).
            if named || label.isEmpty { return .json(value) }
            return .integer(Int128(try enumIndex(label, column)), wrapBits: nil)
        case "set":
            guard let text = value.stringValue else { throw RuleError(description: "SET \(value) is not text") }
            if named { return .json(value) }
            let members = column.members
            var mask: UInt64 = 0
            for member in text.split(separator: ",", omittingEmptySubsequences: true) {
                guard let index = members.firstIndex(of: String(member)) else {
                    throw RuleError(description: "SET member \(member) not in \(column.columnType)")
                }
                mask |= 1 << UInt64(index)
            }
            return .integer(Int128(mask), wrapBits: nil)
        case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
            let bytes = try hexBytes(value)
            if column.dataType == "binary", let length = column.declaredLength {
                // Ground truth is already padded by the server; with FULL metadata ours must be padded too.
                return .bytes(bytes, padTo: named ? nil : length)
            }
            return .bytes(bytes, padTo: nil)
        case "inet4":
            let parts = (value.stringValue ?? "").split(separator: ".").compactMap { UInt8($0) }
            guard parts.count == 4 else { throw RuleError(description: "bad INET4 \(value)") }
            return .bytes(parts, padTo: named ? nil : 4)
        case "inet6":
            guard let text = value.stringValue, let bytes = ipv6Bytes(text) else {
                throw RuleError(description: "bad INET6 \(value)")
            }
            return .bytes(bytes, padTo: named ? nil : 16)
        case "uuid":
            let hex = (value.stringValue ?? "").replacingOccurrences(of: "-", with: "")
            let bytes = try hexBytes(.string(hex))
            guard bytes.count == 16 else { throw RuleError(description: "bad UUID \(value)") }
            return .bytes(bytes, padTo: named ? nil : 16)
        case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
            "geometrycollection":
            guard let srid = row[name + "__srid"]?.integerValue else {
                throw RuleError(description: "\(name)__srid missing")
            }
            return .geometry(srid: srid, wkb: try hexBytes(value))
        default:
            throw RuleError(description: "no comparison rule for data type \(column.dataType)")
        }
    }

    static func integer(_ value: JSONValue) throws -> Int128 {
        guard let number = value.integerValue else { throw RuleError(description: "\(value) is not an integer") }
        return number
    }

    /// The 1-based index of an ENUM label in the column type's members; 0 for ''. The column
    /// type as read back lost characters outside the connection charset ('😀' shows as '?'): a label that is not a
    /// member matches the single member written as '?'.
    static func enumIndex(_ label: String, _ column: GroundTruth.Column) throws -> Int {
        if label.isEmpty { return 0 }
        let members = column.members
        if let index = members.firstIndex(of: label) { return index + 1 }
        let lossy = members.indices.filter { members[$0] == "?" }
        if lossy.count == 1, let index = lossy.first { return index + 1 }
        throw RuleError(description: "ENUM label \(label) not in \(column.columnType)")
    }

    static func hexBytes(_ value: JSONValue) throws -> [UInt8] {
        guard let text = value.stringValue, text.count % 2 == 0 else {
            throw RuleError(description: "\(value.abbreviated()) is not hex")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for unit in text.utf8 {
            let nibble: UInt8
            switch unit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = unit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = unit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = unit - UInt8(ascii: "A") + 10
            default: throw RuleError(description: "\(value.abbreviated()) is not hex")
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    /// The 16 bytes of an IPv6 address in text form (`::`, `2001:db8::ff00:42:8329`, `::ffff:192.0.2.128`).
    static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var groups: [[UInt16]] = [[], []]
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        for (half, part) in halves.enumerated() where !part.isEmpty {
            var words: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    let octets = piece.split(separator: ".").compactMap { UInt8($0) }
                    guard octets.count == 4 else { return nil }
                    words.append(UInt16(octets[0]) << 8 | UInt16(octets[1]))
                    words.append(UInt16(octets[2]) << 8 | UInt16(octets[3]))
                } else {
                    guard let word = UInt16(piece, radix: 16) else { return nil }
                    words.append(word)
                }
            }
            groups[half] = words
        }
        let missing = 8 - groups[0].count - groups[1].count
        guard missing >= 0, halves.count == 2 || missing == 0 else { return nil }
        let words = groups[0] + Array(repeating: 0, count: halves.count == 2 ? missing : 0) + groups[1]
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
