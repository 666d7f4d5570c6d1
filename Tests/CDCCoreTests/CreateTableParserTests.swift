import Foundation
import Testing

@testable import CDCCore

/// CREATE TABLE column lists, by MySQL/MariaDB's grammar: quoting, comments, table constraints, type parameters.
@Suite struct CreateTableParserTests {
    typealias Column = CreateTableParser.Column

    @Test func basicTable() throws {
        let table = try #require(
            CreateTableParser.parse(
                """
                CREATE TABLE shop.orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT, note VARCHAR(20), t TIME(3),
                  PRIMARY KEY (id))
                """))
        #expect(table.database == "shop" && table.name == "orders")
        #expect(
            table.columns == [
                Column(name: "id", type: "int", length: nil, unsigned: true),
                Column(name: "note", type: "varchar", length: 20, unsigned: false),
                Column(name: "t", type: "time", length: 3, unsigned: false),
            ])
    }

    @Test func quotingAndComments() throws {
        let table = try #require(
            CreateTableParser.parse(
                """
                create temporary table if not exists `my db`.`we``ird` ( -- the key
                  `a``b` datetime(6) /* fraction, (with parens) */ DEFAULT '2024-01-01 00:00:00',
                  # a comment with a comma, and a )
                  `c,d` ENUM('x,y', 'it''s', "q)") COMMENT 'a, b (c)',
                  e decimal(10, 2) unsigned zerofill
                ) ENGINE=InnoDB /*!50100 PARTITION BY HASH (a) */
                """))
        #expect(table.database == "my db" && table.name == "we`ird")
        #expect(table.columns.map(\.name) == ["a`b", "c,d", "e"])
        #expect(table.columns.map(\.type) == ["datetime", "enum", "decimal"])
        #expect(table.columns.map(\.length) == [6, nil, 10])
        #expect(table.columns.map(\.unsigned) == [false, false, true])
    }

    @Test func constraintsAreNotColumns() throws {
        let table = try #require(
            CreateTableParser.parse(
                """
                CREATE TABLE t (
                  id INT,
                  parent INT,
                  PRIMARY KEY (id),
                  KEY k_parent (parent),
                  INDEX i2 (parent, id),
                  UNIQUE KEY u (parent),
                  CONSTRAINT fk FOREIGN KEY (parent) REFERENCES t (id) ON DELETE CASCADE,
                  FOREIGN KEY (parent) REFERENCES other (id),
                  FULLTEXT KEY ft (parent),
                  SPATIAL INDEX sp (parent),
                  CHECK (id > 0),
                  PERIOD FOR p (a, b)
                )
                """))
        #expect(table.columns.map(\.name) == ["id", "parent"])
        #expect(table.database == nil)
    }

    @Test(arguments: [
        "CREATE TABLE t LIKE other",
        "CREATE TABLE t AS SELECT 1",
        "CREATE TABLE t SELECT * FROM u",
        "CREATE VIEW v AS SELECT 1",
        "ALTER TABLE t ADD COLUMN c INT",
        "CREATE TABLE t (",
        "CREATE TABLE t (a INT",
        "CREATE TABLE (a INT)",
        "CREATE TABLE t ()",
        "CREATE TABLE t (PRIMARY KEY (a))",
        "",
        "CREATE",
        "CREATE TABLE",
        "CREATE TABLE `unterminated",
    ])
    func notATableDefinition(statement: String) {
        #expect(CreateTableParser.parse(statement) == nil, "\(statement)")
    }

    @Test func hostileText() {
        // Deep nesting, long runs, huge numbers, NUL and invalid UTF-8: an answer or nil, never a crash.
        let nested =
            "CREATE TABLE t (a INT DEFAULT " + String(repeating: "(", count: 10_000) + "1"
            + String(repeating: ")", count: 10_000) + ")"
        #expect(CreateTableParser.parse(nested)?.columns.map(\.name) == ["a"])
        #expect(
            CreateTableParser.parse("CREATE TABLE t (a VARCHAR(99999999999999999999999999))")?.columns.first?.length
                != nil)
        _ = CreateTableParser.parse("CREATE TABLE t (a\u{0} INT)")
        let invalid = String(decoding: [0x43, 0x52, 0x45, 0x41, 0x54, 0x45, 0x20, 0xff, 0xfe, 0x28], as: UTF8.self)
        #expect(CreateTableParser.parse(invalid) == nil)
        #expect(CreateTableParser.parse("CREATE TABLE t (a INT, 'str\\") == nil)
    }

    /// MariaDB's documented type synonyms, as `information_schema.COLUMNS.DATA_TYPE` names them.
    static let synonyms = [
        "boolean": "tinyint", "bool": "tinyint", "real": "double", "json": "longtext",
        "integer": "int", "dec": "decimal", "numeric": "decimal", "fixed": "decimal",
    ]

    /// Every CREATE TABLE of the MariaDB fixture workload (statements.sql) whose table is never altered: the columns
    /// and types `ground_truth.json` lists (`information_schema.COLUMNS` of the final tables).
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func fixtureWorkload() throws {
        let statements = try Fixtures.text("mariadb/full-metadata/statements.sql")
        let data = Data(try Fixtures.bytes("mariadb/full-metadata/ground_truth.json"))
        let truth = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tables = try #require(truth["tables"] as? [String: Any])
        // Statements end with ";" at the end of a line; the DDL is at the start and the end of the file.
        let lines = statements.split(separator: "\n", omittingEmptySubsequences: false)
        var altered: Set<String> = []
        var creates: [String] = []
        var current: [Substring] = []
        for line in lines {
            for prefix in ["ALTER TABLE ", "RENAME TABLE "] where line.hasPrefix(prefix) {
                altered.insert(String(line.dropFirst(prefix.count).prefix { $0 != " " }))
            }
            if line.hasPrefix("CREATE TABLE") || !current.isEmpty { current.append(line) }
            if !current.isEmpty && line.hasSuffix(";") {
                creates.append(current.joined(separator: "\n"))
                current = []
            }
        }
        var checked = 0
        for statement in creates {
            let parsed = try #require(CreateTableParser.parse(statement), "\(statement.prefix(40))")
            guard !altered.contains(parsed.name), let table = tables[parsed.name] as? [String: Any],
                let columns = table["columns"] as? [[String: Any]]
            else { continue }
            #expect(parsed.columns.map(\.name) == columns.compactMap { $0["name"] as? String }, "\(parsed.name)")
            let types = parsed.columns.map { Self.synonyms[$0.type] ?? $0.type }
            #expect(types == columns.compactMap { $0["data_type"] as? String }, "\(parsed.name)")
            let unsigned = columns.compactMap { ($0["column_type"] as? String)?.contains("unsigned") }
            #expect(parsed.columns.map(\.unsigned) == unsigned, "\(parsed.name)")
            checked += 1
        }
        #expect(checked >= 15)
    }
}
