import Testing

@testable import StateStore

@Suite struct SQLiteDatabaseTests {
    @Test func bindingsRoundTripEveryType() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let database = try SQLiteDatabase.open(path: temp.path + "/t.sqlite")
        try database.execute("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n)")
        let values: [SQLiteValue] = [
            .integer(Int64.min), .text("héllo\u{0}wörld"), .blob([0, 1, 2, 255]), nil,
        ]
        try database.execute("INSERT INTO t VALUES (?, ?, ?, ?)", values)
        try database.execute("INSERT INTO t VALUES (?, ?, ?, ?)", [42, "", .blob([]), .integer(Int64.max)])
        let rows = try database.query("SELECT i, s, b, n FROM t ORDER BY rowid")
        #expect(rows.count == 2)
        #expect(rows[0].values == values)
        #expect(try rows[1].int64(0) == 42)
        #expect(try rows[1].string(1) == "")
        #expect(try rows[1].blob(2) == [])
        #expect(try rows[1].int64(3) == Int64.max)
        #expect(throws: StateStoreError.self) { try rows[0].int64(1) }
        #expect(throws: StateStoreError.self) { try rows[0].string(3) }
        #expect(try database.query("SELECT count(*) FROM t WHERE s = ?", ["héllo\u{0}wörld"]).first?.int64(0) == 1)
    }

    @Test func errorsCarryCodeSQLAndPathButNotBoundValues() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/t.sqlite"
        let database = try SQLiteDatabase.open(path: path)
        try database.execute("CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        try database.execute("INSERT INTO secrets VALUES (?, ?)", ["kafka", "hunter2"])
        let error = #expect(throws: StateStoreError.self) {
            try database.execute("INSERT INTO secrets VALUES (?, ?)", ["kafka", "hunter2"])
        }
        #expect(error?.sqliteCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
        #expect(error?.sqlitePrimaryCode == 19)
        #expect(error?.path == path)
        #expect(error?.sql == "INSERT INTO secrets VALUES (?, ?)")
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("hunter2") == false)

        let syntax = #expect(throws: StateStoreError.self) { try database.query("SELEC 1") }
        #expect(syntax?.sqlitePrimaryCode == 1)
        #expect(syntax?.description.contains("SELEC 1") == true)
        #expect(throws: StateStoreError.self) { try database.execute("INSERT INTO secrets VALUES (?, ?)", ["a"]) }
    }

    @Test func prepareOnceRunMany() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let database = try SQLiteDatabase.open(path: temp.path + "/t.sqlite")
        try database.execute("CREATE TABLE n (v INTEGER)")
        let insert = try database.prepare("INSERT INTO n VALUES (?)")
        try database.inTransaction { () throws(StateStoreError) in
            for value in 0..<100 { _ = try insert.run([.integer(Int64(value))]) }
        }
        #expect(try database.query("SELECT sum(v) FROM n").first?.int64(0) == 4950)
        #expect(throws: StateStoreError.self) {
            try database.inTransaction { () throws(StateStoreError) in try database.inTransaction {} }
        }
        #expect(!database.isInTransaction)
    }

    @Test func openingAMissingFileWithoutCreateFails() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var options = SQLiteDatabase.Options()
        options.create = false
        let error = #expect(throws: StateStoreError.self) {
            try SQLiteDatabase.open(path: temp.path + "/missing.sqlite", options: options)
        }
        #expect(error?.sqlitePrimaryCode == 14)  // SQLITE_CANTOPEN
        #expect(error?.description.contains("missing.sqlite") == true)
    }
}
