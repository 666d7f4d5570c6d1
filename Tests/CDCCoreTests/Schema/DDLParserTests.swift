import Testing

@testable import CDCCore

/// DDL statements as MySQL and MariaDB write them in query events.
@Suite struct DDLParserTests {
    func parse(_ sql: String, db: String? = "shop") -> [SchemaChange] { DDLParser.parse(sql, defaultDatabase: db) }

    func created(_ sql: String) throws -> TableSchema {
        let changes = parse(sql)
        guard case .create(let schema) = try #require(changes.first), changes.count == 1 else {
            throw DDLTestFailure(description: "not a create: \(changes)")
        }
        return schema
    }

    @Test func createTableColumns() throws {
        let schema = try created(
            """
            CREATE TABLE IF NOT EXISTS `orders` (
              id INT UNSIGNED NOT NULL AUTO_INCREMENT,
              total DECIMAL(10,2) NOT NULL DEFAULT '0.00',
              note VARCHAR(200) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT NULL COMMENT 'a, (b)',
              state ENUM('new','it''s','a\\'b', "q,)") NOT NULL,
              flags SET('x','y') CHARSET utf8,
              created DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
              zf INT(8) ZEROFILL,
              b BOOL, r REAL, f FLOAT(30), n NUMERIC, d DOUBLE PRECISION, nc NATIONAL CHAR(3), cv CHARACTER VARYING(9),
              g POINT NOT NULL, j JSON CHECK (json_valid(j)),
              v INT AS (id + 1) VIRTUAL,
              PRIMARY KEY (`id`), KEY idx_state (state), UNIQUE KEY u (note(10)),
              CONSTRAINT fk FOREIGN KEY (id) REFERENCES other (id) ON DELETE CASCADE
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """)
        #expect(schema.database == "shop" && schema.table == "orders")
        #expect(
            schema.columns.map(\.name) == [
                "id", "total", "note", "state", "flags", "created", "zf", "b", "r", "f", "n", "d", "nc", "cv", "g",
                "j", "v",
            ])
        #expect(
            schema.columns.map { $0.columnType(mariadb: true) } == [
                "int(10) unsigned", "decimal(10,2)", "varchar(200)", "enum('new','it''s','a''b','q,)')",
                "set('x','y')", "datetime(6)", "int(8) unsigned zerofill", "tinyint(1)", "double", "double",
                "decimal(10,0)", "double", "char(3)", "varchar(9)", "point", "longtext", "int(11)",
            ])
        #expect(schema.columns[3].labels == ["new", "it's", "a'b", "q,)"])
        #expect(schema.columns.map(\.nullable)[0...4] == [false, false, true, false, true])
        #expect(schema.columns[2].charset == "latin1" && schema.columns[2].collation == "latin1_bin")
        #expect(schema.columns[4].charset == "utf8mb3")
        #expect(schema.columns[12].charset == "utf8mb3")
        #expect(schema.primaryKey == ["id"])
        #expect(schema.charset == "utf8mb4" && schema.collation == "utf8mb4_unicode_ci")
    }

    @Test func inlinePrimaryKeyQualifiedNamesAndComments() throws {
        let schema = try created(
            """
            /* leading */ CREATE TABLE `my db`.`we``ird` ( -- the key
              `a``b` BIGINT /*!80023 INVISIBLE */ PRIMARY KEY, # comment, with )
              c TEXT /*!50100 CHARACTER SET latin1 */
            ) /*!50100 PARTITION BY HASH (a) PARTITIONS 4 */;
            """)
        #expect(schema.name == TableName("my db", "we`ird"))
        #expect(schema.primaryKey == ["a`b"])
        #expect(schema.columns[0].nullable == false)
        #expect(schema.columns[1].charset == "latin1")
    }

    @Test func createLikeAndSelect() {
        #expect(
            parse("CREATE TABLE t2 LIKE other.t1") == [
                .createLike(source: TableName("other", "t1"), target: TableName("shop", "t2"))
            ])
        #expect(
            parse("CREATE TABLE t2 (LIKE t1)") == [
                .createLike(source: TableName("shop", "t1"), target: TableName("shop", "t2"))
            ])
        guard case .unparsed(let table, _) = parse("CREATE TABLE t3 AS SELECT * FROM t1").first else {
            Issue.record("CREATE … SELECT must be unparsed")
            return
        }
        #expect(table == TableName("shop", "t3"))
    }

    @Test func alterTable() {
        let changes = parse(
            """
            ALTER TABLE t ADD COLUMN a INT FIRST, ADD b VARCHAR(3) AFTER a, ADD COLUMN (c INT, d DATE),
              DROP COLUMN e, DROP f, MODIFY g BIGINT UNSIGNED NOT NULL, CHANGE COLUMN h h2 TEXT AFTER a,
              RENAME COLUMN i TO i2, ADD PRIMARY KEY (a, b), DROP PRIMARY KEY, ADD INDEX ix (a), DROP INDEX ix,
              ADD CONSTRAINT c1 UNIQUE (b), ALGORITHM=INPLACE, LOCK=NONE, CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
              DEFAULT CHARACTER SET = latin1, ENGINE=InnoDB, RENAME TO other.t9
            """)
        #expect(
            changes == [
                .alter(
                    TableName("shop", "t"),
                    [
                        .addColumn(ColumnSchema(name: "a", type: "int"), .first),
                        .addColumn(ColumnSchema(name: "b", type: "varchar", length: 3), .after("a")),
                        .addColumn(ColumnSchema(name: "c", type: "int"), .unchanged),
                        .addColumn(ColumnSchema(name: "d", type: "date"), .unchanged),
                        .dropColumn("e"), .dropColumn("f"),
                        .modifyColumn(
                            ColumnSchema(name: "g", type: "bigint", unsigned: true, nullable: false), .unchanged),
                        .changeColumn(old: "h", ColumnSchema(name: "h2", type: "text"), .after("a")),
                        .renameColumn(from: "i", to: "i2"),
                        .addPrimaryKey(["a", "b"]), .dropPrimaryKey,
                        .convertCharset(charset: "utf8mb4", collation: "utf8mb4_bin"),
                        .defaultCharset(charset: "latin1", collation: nil),
                        .renameTable(TableName("other", "t9")),
                    ])
            ])
    }

    @Test func dropRenameTruncateAndDatabases() {
        #expect(
            parse("DROP TABLE IF EXISTS a, `x`.b /* generated by server */")
                == [.drop(TableName("shop", "a")), .drop(TableName("x", "b"))])
        #expect(
            parse("RENAME TABLE a TO b, x.c TO d")
                == [
                    .rename(from: TableName("shop", "a"), to: TableName("shop", "b")),
                    .rename(from: TableName("x", "c"), to: TableName("shop", "d")),
                ])
        #expect(parse("TRUNCATE TABLE a") == [.truncate(TableName("shop", "a"))])
        #expect(parse("truncate a;") == [.truncate(TableName("shop", "a"))])
        #expect(parse("DROP DATABASE IF EXISTS cdc") == [.dropDatabase("cdc")])
        #expect(
            parse("CREATE DATABASE d CHARACTER SET utf8 COLLATE utf8_bin")
                == [.databaseDefaults(database: "d", charset: "utf8mb3", collation: "utf8mb3_bin")])
    }

    @Test func nonDDLGivesNothing() {
        for sql in [
            "BEGIN", "COMMIT", "INSERT INTO t VALUES (1)", "UPDATE t SET a = 1", "GRANT ALL ON *.* TO x",
            "CREATE INDEX i ON t (a)", "CREATE VIEW v AS SELECT 1", "SET NAMES utf8", "", "   ", "/* only */",
            "DROP VIEW v", "CREATE USER u", "ALTER USER u IDENTIFIED BY 'p'",
        ] {
            #expect(parse(sql).isEmpty, "\(sql)")
        }
    }

    @Test func unparsableDDLIsReportedNotFatal() {
        for sql in [
            "CREATE TABLE t (a INT", "CREATE TABLE t (a NOSUCHTYPE)", "ALTER TABLE t FROBNICATE a",
            "ALTER TABLE t ADD COLUMN (a INT", "CREATE TABLE", "RENAME TABLE a b", "CREATE TABLE t ()",
        ] {
            let changes = parse(sql)
            #expect(changes.count == 1, "\(sql)")
            if case .unparsed = changes.first {} else { Issue.record("not unparsed: \(sql) → \(changes)") }
        }
        // No default database and no qualifier: the table cannot be named.
        if case .unparsed(nil, _) = DDLParser.parse("CREATE TABLE t (a INT)", defaultDatabase: nil).first {
        } else {
            Issue.record("unqualified name without default database must be unparsed")
        }
    }

    @Test func hostileInputIsBounded() {
        let deep =
            "CREATE TABLE t (a INT DEFAULT " + String(repeating: "(", count: 100_000) + "1"
            + String(repeating: ")", count: 100_000) + ")"
        #expect(parse(deep).first.map { if case .create = $0 { true } else { false } } == true)
        let unbalanced = "ALTER TABLE t ADD a INT DEFAULT " + String(repeating: "(", count: 100_000)
        if case .unparsed = parse(unbalanced).first {} else { Issue.record("unbalanced must be unparsed") }
        let closing = "CREATE TABLE t (a INT" + String(repeating: ")", count: 100_000)
        _ = parse(closing)
        let wide = "CREATE TABLE t (" + (0..<5000).map { "c\($0) INT" }.joined(separator: ", ") + ")"
        #expect(parse(wide).count == 1)
        let huge = "CREATE TABLE t (a INT COMMENT '" + String(repeating: "x", count: DDLParser.maxStatementBytes) + "')"
        if case .unparsed = parse(huge).first {} else { Issue.record("huge statement must be unparsed") }
        for text in ["'", "`", "/*", "/*!", "\"", "-- ", "#", "\\", "CREATE TABLE `t", "CREATE TABLE t ('"] {
            _ = parse(text)
        }
    }
}

struct DDLTestFailure: Error, CustomStringConvertible {
    var description: String
}
