import Foundation
import Testing

@testable import BinlogDecoder
@testable import CDCCore

/// Versions by position: DDL moves a table to a new version from the statement's position on.
@Suite struct SchemaRegistryTests {
    func at(_ file: Int, _ offset: UInt64) -> SchemaPosition {
        SchemaPosition(
            file: "mysql-bin.\(String(repeating: "0", count: 6 - String(file).count))\(file)", offset: offset)
    }

    func apply(_ registry: inout SchemaRegistry, _ sql: String, _ position: SchemaPosition) {
        let problems = registry.apply(DDLParser.parse(sql, defaultDatabase: "db"), at: position)
        #expect(problems.isEmpty, "\(sql): \(problems)")
    }

    let t = TableName("db", "t")

    @Test func positionsOrderAcrossFiles() {
        #expect(at(1, 999_999) < at(2, 4))
        #expect(
            SchemaPosition(file: "mysql-bin.999999", offset: 9) < SchemaPosition(file: "mysql-bin.1000000", offset: 4))
        #expect(SchemaPosition.start < at(1, 4))
        #expect(at(3, 100) < at(3, 200))
    }

    @Test func versionsFollowDDL() throws {
        var registry = SchemaRegistry(mariadb: false)
        apply(&registry, "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))", at(1, 100))
        apply(&registry, "ALTER TABLE t ADD COLUMN b INT AFTER id, DROP COLUMN a", at(1, 500))
        apply(&registry, "ALTER TABLE t CHANGE b b2 BIGINT FIRST", at(2, 200))
        #expect(registry.schema(of: t, at: at(1, 50)) == nil)
        #expect(registry.schema(of: t, at: at(1, 300))?.columns.map(\.name) == ["id", "a"])
        #expect(registry.schema(of: t, at: at(1, 900))?.columns.map(\.name) == ["id", "b"])
        #expect(registry.schema(of: t, at: at(2, 4))?.columns.map(\.name) == ["id", "b"])
        #expect(registry.schema(of: t, at: at(2, 300))?.columns.map(\.name) == ["b2", "id"])
        #expect(registry.versions(of: t).map(\.position) == [at(1, 100), at(1, 500), at(2, 200)])
    }

    @Test func renameDropAndCreateLike() throws {
        var registry = SchemaRegistry(mariadb: false)
        apply(&registry, "CREATE TABLE t (id INT, PRIMARY KEY (id))", at(1, 100))
        apply(&registry, "CREATE TABLE u LIKE t", at(1, 150))
        apply(&registry, "RENAME TABLE t TO t2, u TO t", at(1, 200))
        apply(&registry, "ALTER TABLE t2 RENAME TO t3, ADD x DATE", at(1, 300))
        let t2 = TableName("db", "t2")
        let t3 = TableName("db", "t3")
        #expect(registry.schema(of: t, at: at(1, 120))?.table == "t")
        #expect(registry.schema(of: t, at: at(1, 250))?.table == "t")  // the former u
        #expect(registry.versions(of: t).last?.derivedFrom == TableName("db", "u"))
        #expect(registry.schema(of: TableName("db", "u"), at: at(1, 250)) == nil)
        #expect(registry.schema(of: t2, at: at(1, 250))?.columns.map(\.name) == ["id"])
        #expect(registry.schema(of: t2, at: at(1, 350)) == nil)
        #expect(registry.schema(of: t3, at: at(1, 350))?.columns.map(\.name) == ["id", "x"])
        #expect(registry.versions(of: t3).first?.derivedFrom == t2)
        apply(&registry, "DROP TABLE IF EXISTS t3, nosuch", at(1, 400))
        #expect(registry.schema(of: t3, at: at(1, 450)) == nil)
        #expect(registry.schema(of: t3, at: at(1, 350)) != nil)
    }

    @Test func problemsForWhatCannotBeApplied() {
        var registry = SchemaRegistry(mariadb: false)
        let unknown = registry.apply(DDLParser.parse("ALTER TABLE t ADD a INT", defaultDatabase: "db"), at: at(1, 4))
        #expect(unknown.map(\.table) == [t])
        apply(&registry, "CREATE TABLE t (id INT)", at(1, 10))
        let missing = registry.apply(DDLParser.parse("ALTER TABLE t DROP nosuch", defaultDatabase: "db"), at: at(1, 20))
        #expect(missing.map(\.table) == [t])
        // The table is unknown from there (never guessed) until re-read.
        #expect(registry.schema(of: t, at: at(1, 30)) == nil)
        registry.record(
            TableSchema(database: "db", table: "t", columns: [ColumnSchema(name: "id", type: "int")]), at: at(1, 20))
        #expect(registry.schema(of: t, at: at(1, 30)) != nil)
        let unparsed = registry.apply(DDLParser.parse("ALTER TABLE t FROB", defaultDatabase: "db"), at: at(1, 40))
        #expect(unparsed.map(\.table) == [t])
    }

    @Test func primaryKeyAndCharsetChanges() throws {
        var registry = SchemaRegistry(mariadb: true)
        apply(&registry, "CREATE DATABASE db CHARACTER SET latin1", at(1, 1))
        apply(&registry, "CREATE TABLE t (a INT, b VARCHAR(5), c TEXT CHARACTER SET utf8mb4)", at(1, 10))
        var schema = try #require(registry.schema(of: t, at: at(1, 10)))
        #expect(schema.charset == "latin1" && schema.primaryKey.isEmpty)
        apply(&registry, "ALTER TABLE t ADD PRIMARY KEY (a, b)", at(1, 20))
        schema = try #require(registry.schema(of: t, at: at(1, 20)))
        #expect(schema.primaryKey == ["a", "b"] && !schema.columns[0].nullable)
        apply(&registry, "ALTER TABLE t RENAME COLUMN b TO bb, CONVERT TO CHARACTER SET utf8mb3", at(1, 30))
        schema = try #require(registry.schema(of: t, at: at(1, 30)))
        #expect(schema.primaryKey == ["a", "bb"])
        #expect(schema.columns.map(\.charset) == [nil, "utf8mb3", "utf8mb3"])
        apply(&registry, "ALTER TABLE t DROP PRIMARY KEY, DEFAULT CHARSET latin2", at(1, 40))
        schema = try #require(registry.schema(of: t, at: at(1, 40)))
        #expect(schema.primaryKey.isEmpty && schema.charset == "latin2")
    }

    @Test func snapshotRoundTripsThroughCodable() throws {
        var registry = SchemaRegistry(mariadb: true)
        apply(&registry, "CREATE DATABASE db CHARACTER SET utf8mb4", at(1, 1))
        apply(&registry, "CREATE TABLE t (id INT PRIMARY KEY, e ENUM('a','b'), d DECIMAL(5,2) UNSIGNED)", at(1, 10))
        apply(&registry, "RENAME TABLE t TO u", at(2, 10))
        let data = try JSONEncoder().encode(registry.snapshot())
        let decoded = SchemaRegistry(snapshot: try JSONDecoder().decode(SchemaRegistrySnapshot.self, from: data))
        #expect(decoded == registry)
        registry.compact(before: at(2, 50))
        #expect(registry.tables == [TableName("db", "u")])
    }

    @Test func checkAndComplete() throws {
        var registry = SchemaRegistry(mariadb: false)
        apply(
            &registry,
            """
            CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(20) CHARACTER SET latin1, j JSON,
              e ENUM('x','y'), t TIME(3), dt DATETIME(6))
            """, at(1, 10))
        let schema = try #require(registry.schema(of: t, at: at(1, 10)))
        var columns = [
            TableColumn(binlogType: .longLong, meta: 0, nullable: false),
            TableColumn(binlogType: .varchar, meta: 20, nullable: true),
            TableColumn(binlogType: .json, meta: 4, nullable: true),
            TableColumn(binlogType: .string, meta: UInt16(ColumnType.enumType.rawValue) << 8 | 1, nullable: true),
            TableColumn(binlogType: .time, meta: 0, nullable: true),  // old-format TIME: no fsp in the map
            TableColumn(binlogType: .dateTime2, meta: 6, nullable: true),
        ]
        var map = TableMap(
            tableID: 1, flags: 0, database: "db", table: "t", columns: columns, primaryKey: [],
            hasOptionalMetadata: false)
        #expect(registry.check(map, against: schema) == nil)
        let completed = registry.completing(map, schema: schema)
        #expect(completed.columns.map(\.name) == ["id", "name", "j", "e", "t", "dt"])
        #expect(completed.columns[0].unsigned == true && completed.columns[0].isPrimaryKey)
        #expect(completed.primaryKey == [0])
        #expect(completed.columns[1].collation == 8)
        #expect(completed.columns[3].labels == [Array("x".utf8), Array("y".utf8)])
        #expect(completed.columns[4].legacyFSP == 3)
        #expect(completed.columns[5].legacyFSP == nil)
        // JSON is a BLOB on MariaDB.
        #expect(SchemaRegistry(mariadb: true).check(map, against: schema) != nil)
        columns[1] = TableColumn(binlogType: .blob, meta: 2, nullable: true)
        map.columns = columns
        let mismatch = try #require(registry.check(map, against: schema))
        #expect(mismatch.description.contains("column 1 (name varchar(20)) is BLOB"))
        #expect(registry.resolve(map, at: at(1, 20)) == .mismatch(mismatch))
        #expect(registry.resolve(map, at: at(1, 5)) == .unknown)
    }

    @Test func namesFromMetadataAreCrossChecked() throws {
        var registry = SchemaRegistry(mariadb: true)
        apply(&registry, "CREATE TABLE t (id INT, v VARCHAR(5))", at(1, 10))
        var columns = [
            TableColumn(binlogType: .long, meta: 0, nullable: true),
            TableColumn(binlogType: .varchar, meta: 20, nullable: true),
        ]
        columns[0].name = "ID"
        columns[1].name = "v2"  // renamed behind the registry's back
        let map = TableMap(
            tableID: 1, flags: 0, database: "db", table: "t", columns: columns, primaryKey: [],
            hasOptionalMetadata: true)
        guard case .mismatch(let mismatch) = registry.resolve(map, at: at(1, 20)) else {
            Issue.record("a renamed column must be a mismatch")
            return
        }
        #expect(mismatch.kind == .columnName(index: 1, schema: "v", tableMap: "v2"))
        apply(&registry, "ALTER TABLE t RENAME COLUMN v TO v2", at(1, 30))
        guard case .resolved(let resolved) = registry.resolve(map, at: at(1, 40)) else {
            Issue.record("must resolve after the rename")
            return
        }
        #expect(resolved.columns.map(\.name) == ["ID", "v2"])
    }
}
