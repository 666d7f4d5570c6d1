import BinlogDecoder
import Foundation
import Testing

@testable import CDCCore

/// The MariaDB fixture session: its DDL replayed through the registry must end with the server's own
/// information_schema columns, and every real table map must agree with the registry at its position.
@Suite(.enabled(if: Fixtures.available, Fixtures.skipMessage))
struct SchemaFixtureTests {
    static let folder = "mariadb/full-metadata"

    struct GroundTruth: Decodable {
        struct Table: Decodable {
            var primary_key: [String]
            var columns: [Column]
        }
        struct Column: Decodable {
            var name: String
            var data_type: String
            var column_type: String
        }
        var schema: String
        var tables: [String: Table]
    }

    func groundTruth() throws -> GroundTruth {
        try JSONDecoder().decode(GroundTruth.self, from: Data(try Fixtures.bytes("\(Self.folder)/ground_truth.json")))
    }

    /// The statements of statements.sql: one per line group ending in `;`.
    func statements() throws -> [String] {
        var result: [String] = []
        var current = ""
        for line in try Fixtures.text("\(Self.folder)/statements.sql").split(
            separator: "\n", omittingEmptySubsequences: false)
        {
            current += current.isEmpty ? String(line) : "\n" + line
            if line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                result.append(current)
                current = ""
            }
        }
        return result
    }

    /// information_schema shows characters outside the BMP of this fixture's labels as `?`, and old-format
    /// temporal columns with a comment.
    func normalize(_ columnType: String) -> String {
        var text = columnType.replacingOccurrences(of: " /* mariadb-5.3 */", with: "")
        text = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value > 0xFFFF ? "?" : $0 }))
        return text
    }

    func expectMatchesGroundTruth(_ registry: SchemaRegistry, at position: SchemaPosition) throws {
        let truth = try groundTruth()
        let known = Set(registry.tables.filter { registry.schema(of: $0, at: position) != nil })
        #expect(known == Set(truth.tables.keys.map { TableName(truth.schema, $0) }))
        for (name, table) in truth.tables.sorted(by: { $0.key < $1.key }) {
            let schema = try #require(registry.schema(of: TableName(truth.schema, name), at: position), "\(name)")
            #expect(schema.columns.map(\.name) == table.columns.map(\.name), "\(name)")
            #expect(schema.columns.map { $0.dataType(mariadb: true) } == table.columns.map(\.data_type), "\(name)")
            #expect(
                schema.columns.map { normalize($0.columnType(mariadb: true)) }
                    == table.columns.map { normalize($0.column_type) }, "\(name)")
            #expect(schema.primaryKey == table.primary_key, "\(name)")
        }
    }

    @Test func replayingStatementsGivesTheServersColumns() throws {
        var registry = SchemaRegistry(mariadb: true)
        var database: String?
        var offset: UInt64 = 0
        for statement in try statements() {
            offset += 1
            let trimmed = statement.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.lowercased().hasPrefix("use ") {
                database = String(trimmed.dropFirst(4).dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            let changes = DDLParser.parse(statement, defaultDatabase: database)
            let problems = registry.apply(changes, at: SchemaPosition(file: "statements.sql", offset: offset))
            #expect(problems.isEmpty, "\(statement.prefix(200))")
        }
        try expectMatchesGroundTruth(registry, at: SchemaPosition(file: "statements.sql", offset: offset))
    }

    /// Every query event's DDL applied at its position, every table map checked against the registry and
    /// completed from it after its optional metadata is removed: the result must equal what the server wrote.
    @Test func realTableMapsAgreeWithTheRegistry() throws {
        var registry = SchemaRegistry(mariadb: true)
        var checkedMaps = 0
        var lastPosition = SchemaPosition.start
        for file in (1...4).map({ "mysql-bin.00000\($0)" }) {
            let bytes = try Fixtures.bytes("\(Self.folder)/\(file)")
            var decoder = EventDecoder(decompressor: nil)
            var offset = 4
            while let header = EventHeader.parse(bytes, at: offset), header.eventSize >= 19,
                offset + Int(header.eventSize) <= bytes.count
            {
                let size = Int(header.eventSize)
                let position = SchemaPosition(file: file, offset: UInt64(offset))
                lastPosition = position
                let event = try decoder.decode(Array(bytes[offset..<(offset + size)]), offset: UInt64(offset))
                switch event.body {
                case .query(let query):
                    let changes = DDLParser.parse(query.query, defaultDatabase: query.database)
                    let problems = registry.apply(changes, at: position)
                    #expect(problems.isEmpty, "\(file):\(offset) \(query.query.prefix(200))")
                case .tableMap(let map) where map.database == "cdc_types":
                    let table = TableName(map.database, map.table)
                    let schema = try #require(registry.schema(of: table, at: position), "\(table) at \(position)")
                    #expect(registry.check(map, against: schema) == nil, "\(table) at \(position)")
                    let bare = map.columns.map {
                        TableColumn(binlogType: $0.binlogType, meta: $0.meta, nullable: $0.nullable)
                    }
                    var stripped = map
                    stripped.columns = bare
                    stripped.primaryKey = []
                    let completed = registry.completing(stripped, schema: schema)
                    #expect(completed.primaryKey == map.primaryKey, "\(table)")
                    for (index, (got, want)) in zip(completed.columns, map.columns).enumerated() {
                        #expect(got.name == want.name, "\(table) column \(index)")
                        if want.type.isNumeric { #expect(got.unsigned == want.unsigned, "\(table).\(want.name ?? "")") }
                        #expect(got.isPrimaryKey == want.isPrimaryKey, "\(table).\(want.name ?? "")")
                        if want.isCharacterColumn, let collation = want.collation {
                            #expect(
                                got.collation.flatMap(Charset.forCollation) == Charset.forCollation(collation),
                                "\(table).\(want.name ?? "") \(String(describing: got.collation)) vs \(collation)")
                        }
                        if want.isEnumOrSet, let labels = want.labels, let charsetID = want.collation,
                            let charset = Charset.forCollation(charsetID), charset.name.hasPrefix("utf8")
                        {
                            #expect(got.labels == labels, "\(table).\(want.name ?? "")")
                        }
                    }
                    // A table map that disagrees is reported.
                    var wrong = map
                    wrong.columns.removeLast()
                    #expect(registry.check(wrong, against: schema) != nil)
                    checkedMaps += 1
                default:
                    break
                }
                offset += size
            }
        }
        #expect(checkedMaps > 20)
        try expectMatchesGroundTruth(registry, at: lastPosition)
    }
}
