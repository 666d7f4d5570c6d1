/// Staged workloads (LiveStage) of DDL mid-stream for the schema registry's live tests: tables altered column by
/// column (ADD at the end / FIRST / AFTER, DROP, MODIFY to another type, length and character set, CHANGE, RENAME
/// COLUMN, several changes in one ALTER, primary key changes), RENAME TABLE, CREATE TABLE … LIKE and TRUNCATE, with
/// DML before and after each, transactions and a rollback. Every stage after a DDL updates every row of the altered
/// table, so each replayed row has the new shape and is compared with the server on all its columns.
enum LiveDDLWorkload {
    static func column(_ name: String, _ type: String, _ kind: LiveKind) -> LiveColumn {
        LiveColumn(name: name, type: type, kind: kind)
    }

    /// `table` with `column` inserted at `index` (nil: at the end).
    static func adding(_ column: LiveColumn, to table: LiveTable, at index: Int? = nil) -> LiveTable {
        var table = table
        table.columns.insert(column, at: index ?? table.columns.count)
        return table
    }

    static func index(of name: String, in table: LiveTable) -> Int {
        table.columns.firstIndex { $0.name == name } ?? table.columns.count
    }

    static func dropping(_ name: String, from table: LiveTable) -> LiveTable {
        var table = table
        table.columns.removeAll { $0.name == name }
        return table
    }

    /// `table` with column `name` replaced by `column` (MODIFY / CHANGE / RENAME COLUMN in place).
    static func replacing(_ name: String, with column: LiveColumn, in table: LiveTable) -> LiveTable {
        var table = table
        if let index = table.columns.firstIndex(where: { $0.name == name }) { table.columns[index] = column }
        return table
    }

    static func renamed(_ table: LiveTable, to name: String) -> LiveTable {
        var table = table
        table.name = name
        return table
    }

    /// A table created before a `run`'s start position whose rows are all written after it, never altered: the
    /// registry can only learn it from information_schema. Types whose rendering needs the schema (unsigned,
    /// latin1, ENUM/SET labels, DATETIME precision, DECIMAL).
    static let preexisting = LiveTable(
        name: "t_pre",
        columns: [
            column("id", "INT NOT NULL", .integer), column("rev", "INT NOT NULL DEFAULT 0", .integer),
            column("u", "BIGINT UNSIGNED", .integer), column("l", "VARCHAR(30) CHARACTER SET latin1", .text),
            column("e", "ENUM('α','β','γ') CHARACTER SET utf8mb4", .text), column("s", "SET('r','w','x')", .text),
            column("t3", "DATETIME(3)", .temporal), column("dc", "DECIMAL(9,3)", .decimal),
        ], primaryKey: ["id"])

    /// The DDL stages for `database`, which holds `preexisting` (created by the caller, empty) and nothing else.
    static func stages(database: String) -> [LiveStage] {
        var stages: [LiveStage] = []
        let pre = preexisting
        var t = LiveTable(
            name: "t_ddl",
            columns: [
                column("id", "INT NOT NULL", .integer), column("rev", "INT NOT NULL DEFAULT 0", .integer),
                column("a", "INT", .integer), column("b", "VARCHAR(10) CHARACTER SET latin1", .text),
                column("c", "INT UNSIGNED", .integer), column("d", "DATETIME(3)", .temporal),
                column("e", "ENUM('x','y','zé') CHARACTER SET utf8mb4", .text),
            ], primaryKey: ["id"])
        let touch = "UPDATE t_ddl SET rev = rev + 1"
        func stage(_ name: String, _ statements: [String], _ tables: [LiveTable], effects: [LiveStage.Effect] = []) {
            stages.append(
                LiveStage(name: name, sql: statements.joined(separator: ";\n"), tables: tables, effects: effects))
        }

        stage(
            "create",
            [
                t.create(in: database),
                """
                INSERT INTO t_ddl (id, a, b, c, d, e) VALUES (1, 10, 'un', 4294967295, '2024-01-02 03:04:05.678', 'x'),
                (2, 20, 'deux', 0, NULL, 'zé'), (3, NULL, NULL, NULL, '1999-12-31 23:59:59.999', NULL),
                (4, -40, 'quatre é', 7, '2000-02-29 00:00:00.001', 'y')
                """,
                """
                INSERT INTO t_pre (id, u, l, e, s, t3, dc) VALUES (1, 18446744073709551615, 'Ça coûte 5 €', 'β', 'r,x',
                '2024-02-29 12:34:56.789', -123456.789), (2, 0, '', 'α', '', '1000-01-01 00:00:00.000', 0),
                (3, NULL, NULL, NULL, NULL, NULL, NULL)
                """,
                "UPDATE t_ddl SET a = a + 1 WHERE id = 1",
            ], [t, pre])

        t = adding(column("x", "VARCHAR(20) NOT NULL DEFAULT 'dx'", .text), to: t)
        stage(
            "add column at the end",
            [
                "ALTER TABLE t_ddl ADD COLUMN x VARCHAR(20) NOT NULL DEFAULT 'dx'", touch,
                "INSERT INTO t_ddl (id, a, b, c, d, e, x) VALUES (5, 50, 'cinq', 5, '2024-05-05 05:05:05.500', 'y', 'x5')",
                "DELETE FROM t_ddl WHERE id = 2",
                "UPDATE t_pre SET u = 9223372036854775808, e = 'γ', s = 'w' WHERE id = 2",
            ], [t, pre])

        t = adding(column("f0", "SMALLINT", .integer), to: t, at: 0)
        stage(
            "add column FIRST",
            [
                "ALTER TABLE t_ddl ADD COLUMN f0 SMALLINT FIRST", touch,
                "UPDATE t_ddl SET f0 = id * -3 WHERE id <> 1",
                "INSERT INTO t_ddl (f0, id, a, b) VALUES (32767, 6, 60, 'six')",
            ], [t, pre])

        t = adding(column("m", "DECIMAL(7,2) DEFAULT 1.25", .decimal), to: t, at: index(of: "a", in: t) + 1)
        stage(
            "add column AFTER",
            [
                "ALTER TABLE t_ddl ADD COLUMN m DECIMAL(7,2) DEFAULT 1.25 AFTER a", touch,
                "INSERT INTO t_ddl (id, a, m, b) VALUES (7, 70, -99999.99, 'sept')",
                "UPDATE t_ddl SET m = 3.5 WHERE id = 1",
            ], [t, pre])

        t = dropping("c", from: t)
        stage(
            "drop column",
            [
                "ALTER TABLE t_ddl DROP COLUMN c", touch,
                "INSERT INTO t_ddl (id, a, m, b, d) VALUES (8, 80, 0.01, 'huit', '2038-01-19 03:14:07.999')",
                "DELETE FROM t_pre WHERE id = 3",
            ], [t, pre])

        t = replacing("a", with: column("a", "BIGINT", .integer), in: t)
        stage(
            "modify INT to BIGINT",
            [
                "ALTER TABLE t_ddl MODIFY COLUMN a BIGINT", touch,
                "UPDATE t_ddl SET a = a * 100000000000 WHERE a IS NOT NULL AND id > 1",
                "INSERT INTO t_ddl (id, a, b) VALUES (9, -9223372036854775808, 'neuf')",
            ], [t, pre])

        t = replacing("b", with: column("b", "VARCHAR(300) CHARACTER SET latin1", .text), in: t)
        stage(
            "modify VARCHAR length",
            [
                "ALTER TABLE t_ddl MODIFY COLUMN b VARCHAR(300) CHARACTER SET latin1", touch,
                "UPDATE t_ddl SET b = CONCAT(b, REPEAT('é', 280)) WHERE id = 4",
                "INSERT INTO t_ddl (id, a, b) VALUES (10, 100, REPEAT('ÿ', 300))",
            ], [t, pre])

        t = replacing("b", with: column("b", "VARCHAR(300) CHARACTER SET utf8mb4", .text), in: t)
        stage(
            "modify character set",
            [
                "ALTER TABLE t_ddl MODIFY COLUMN b VARCHAR(300) CHARACTER SET utf8mb4", touch,
                "INSERT INTO t_ddl (id, a, b) VALUES (11, 110, '日本 😀')",
                "UPDATE t_ddl SET b = 'Grüße ✓' WHERE id = 1",
            ], [t, pre])

        t = replacing("x", with: column("x2", "TEXT CHARACTER SET utf8mb4", .text), in: t)
        stage(
            "change column",
            [
                "ALTER TABLE t_ddl CHANGE COLUMN x x2 TEXT CHARACTER SET utf8mb4", touch,
                "INSERT INTO t_ddl (id, a, b, x2) VALUES (12, 120, 'douze', REPEAT('✓', 1000))",
                "UPDATE t_ddl SET x2 = NULL WHERE id = 5",
            ], [t, pre])

        t = replacing("m", with: column("money", "DECIMAL(7,2) DEFAULT 1.25", .decimal), in: t)
        stage(
            "rename column",
            [
                "ALTER TABLE t_ddl RENAME COLUMN m TO money", touch,
                "INSERT INTO t_ddl (id, a, money, b) VALUES (13, 130, 13.13, 'treize')",
            ], [t, pre])

        // ADD p AFTER id, DROP e, MODIFY d AFTER rev: f0 id rev a money b d e x2 -> f0 id p rev d a money b x2.
        t = adding(column("p", "INT", .integer), to: t, at: index(of: "id", in: t) + 1)
        t = dropping("e", from: t)
        let d = t.columns[index(of: "d", in: t)]
        t = dropping("d", from: t)
        t = adding(d, to: t, at: index(of: "rev", in: t) + 1)
        stage(
            "several changes in one ALTER",
            [
                "ALTER TABLE t_ddl ADD COLUMN p INT AFTER id, DROP COLUMN e, MODIFY COLUMN d DATETIME(3) AFTER rev",
                touch, "UPDATE t_ddl SET p = id * 7 WHERE id % 2 = 0",
                "INSERT INTO t_ddl (id, p, d, a, b) VALUES (14, -1, '2024-12-31 23:59:59.999', 140, 'quatorze')",
            ], [t, pre])

        stage(
            "transactions and a rollback",
            [
                "START TRANSACTION", "INSERT INTO t_ddl (id, a, b) VALUES (15, 150, 'quinze')",
                "UPDATE t_ddl SET money = money * 2 WHERE id = 5",
                "INSERT INTO t_pre (id, u, l, e, s, t3, dc) VALUES (4, 4, 'vier', 'γ', 'r,w,x', NOW(3), 4.5)",
                "COMMIT",
                "START TRANSACTION", "INSERT INTO t_ddl (id, a, b) VALUES (16, 160, 'rolled back')",
                "DELETE FROM t_ddl WHERE id = 1", "UPDATE t_ddl SET rev = 1000", "UPDATE t_pre SET rev = 1000",
                "ROLLBACK",
                "START TRANSACTION", "DELETE FROM t_ddl WHERE id = 6", "UPDATE t_pre SET rev = rev + 1", "COMMIT",
            ], [t, pre])

        t = renamed(t, to: "t_ddl2")
        stage(
            "rename table",
            [
                "RENAME TABLE t_ddl TO t_ddl2", "UPDATE t_ddl2 SET rev = rev + 1",
                "INSERT INTO t_ddl2 (id, a, b) VALUES (17, 170, 'dix-sept')",
            ], [t, pre], effects: [.rename(from: "t_ddl", to: "t_ddl2")])

        let like = renamed(t, to: "t_like")
        stage(
            "create table like",
            [
                "CREATE TABLE t_like LIKE t_ddl2", "INSERT INTO t_like SELECT * FROM t_ddl2 WHERE id < 10",
                "UPDATE t_like SET b = 'like' WHERE id = 1", "UPDATE t_ddl2 SET a = -a WHERE id = 7",
            ], [t, like, pre])

        stage(
            "truncate",
            [
                "TRUNCATE TABLE t_like", "INSERT INTO t_like SELECT * FROM t_ddl2 WHERE id >= 10",
                "DELETE FROM t_like WHERE id = 12", "UPDATE t_like SET rev = rev + 10",
            ], [t, like, pre], effects: [.truncate("t_like")])

        stage(
            "primary key change",
            [
                "ALTER TABLE t_ddl2 DROP PRIMARY KEY, ADD PRIMARY KEY (id, rev)", "UPDATE t_ddl2 SET rev = rev + 1",
                "INSERT INTO t_ddl2 (id, rev, a, b) VALUES (18, 5, 180, 'dix-huit')",
            ], [t, like, pre])

        stage(
            "DML after the last DDL",
            [
                "DELETE FROM t_ddl2 WHERE id = 3", "UPDATE t_like SET x2 = 'after' WHERE id = 11",
                "UPDATE t_pre SET l = 'fin', dc = dc - 1",
            ], [t, like, pre])
        return stages
    }

    // MARK: - catch-up after an ALTER

    /// A table whose ALTER keeps the table map identical (an INT dropped, an INT added in its place): only the
    /// names tell the versions apart.
    static let sameTypesBefore = LiveTable(
        name: "t_same",
        columns: [
            column("id", "INT NOT NULL", .integer), column("n1", "INT", .integer),
            column("keep", "VARCHAR(20) CHARACTER SET utf8mb4", .text),
        ], primaryKey: ["id"])
    static let sameTypesAlter = "ALTER TABLE t_same DROP COLUMN n1, ADD COLUMN n2 INT DEFAULT 7 AFTER id"
    static let sameTypesAfter = replacing(
        "n1", with: column("n2", "INT DEFAULT 7", .integer), in: sameTypesBefore)

    /// A table whose ALTER adds a DECIMAL and drops a VARCHAR: same column count, other types.
    static let otherTypesBefore = LiveTable(
        name: "t_other",
        columns: [
            column("id", "INT NOT NULL", .integer), column("note", "VARCHAR(20) CHARACTER SET utf8mb4", .text),
            column("a", "INT", .integer),
        ], primaryKey: ["id"])
    static let otherTypesAlter =
        "ALTER TABLE t_other ADD COLUMN extra DECIMAL(6,2) NOT NULL DEFAULT 1.50 AFTER a, DROP COLUMN note"
    static let otherTypesAfter = adding(
        column("extra", "DECIMAL(6,2) NOT NULL DEFAULT 1.50", .decimal), to: dropping("note", from: otherTypesBefore))

    /// DML, the ALTER, more DML, for one of the catch-up tables (`sameTypesBefore` or `otherTypesBefore`, created
    /// empty before the stages by the caller).
    static func catchUpStages(_ table: LiveTable) -> [LiveStage] {
        if table.name == sameTypesBefore.name {
            return [
                LiveStage(
                    name: "before the ALTER",
                    sql: """
                        INSERT INTO t_same VALUES (1, 10, 'one'), (2, 20, 'two'), (3, NULL, 'three');
                        UPDATE t_same SET n1 = n1 + 1 WHERE id = 1;
                        DELETE FROM t_same WHERE id = 3
                        """,
                    tables: [sameTypesBefore]),
                LiveStage(
                    name: "ALTER, then DML",
                    sql: """
                        \(sameTypesAlter);
                        UPDATE t_same SET keep = CONCAT(keep, '+');
                        INSERT INTO t_same VALUES (4, 40, 'four');
                        UPDATE t_same SET n2 = -1 WHERE id = 1
                        """,
                    tables: [sameTypesAfter]),
                LiveStage(
                    name: "more DML",
                    sql: "INSERT INTO t_same VALUES (5, 50, 'five'); DELETE FROM t_same WHERE id = 2",
                    tables: [sameTypesAfter]),
            ]
        }
        return [
            LiveStage(
                name: "before the ALTER",
                sql: """
                    INSERT INTO t_other VALUES (1, 'un', 10), (2, 'deux', 20), (3, NULL, 30);
                    START TRANSACTION;
                    UPDATE t_other SET note = 'deux ✓', a = 21 WHERE id = 2;
                    DELETE FROM t_other WHERE id = 3;
                    COMMIT
                    """,
                tables: [otherTypesBefore]),
            LiveStage(
                name: "ALTER, then DML",
                sql: """
                    \(otherTypesAlter);
                    UPDATE t_other SET a = a + 100;
                    INSERT INTO t_other VALUES (4, 40, 4.25);
                    DELETE FROM t_other WHERE id = 1
                    """,
                tables: [otherTypesAfter]),
            LiveStage(
                name: "more DML",
                sql: "INSERT INTO t_other VALUES (5, 50, 9999.99)",
                tables: [otherTypesAfter]),
        ]
    }
}
