import Foundation
import Testing

@testable import StateStore

@Suite struct StateStoreTests {
    private func sample(_ database: String, _ table: String, _ version: Int64, _ file: String, _ offset: UInt64)
        -> SchemaVersionRecord
    {
        SchemaVersionRecord(
            database: database, table: table, version: version,
            validFrom: BinlogFilePosition(file: file, offset: offset),
            schema: Array("{\"table\":\"\(table)\",\"version\":\(version)}".utf8))
    }

    @Test func freshStoreHasNoPositionAndPositionRoundTrips() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let directory = temp.path + "/state"
        let position = SavedPosition(
            binlog: BinlogFilePosition(file: "mysql-bin.000042", offset: 123_456),
            gtidSet: "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-77", serverID: 4_000_000_000,
            serverUUID: "3e11fa47-71ca-11e1-9e33-c80aa9429562",
            transaction: .init(
                start: BinlogFilePosition(file: "mysql-bin.000042", offset: 120_000), recordsDelivered: 250,
                filter: "include=shop.* exclude=")
        )
        do {
            let store = try StateStore.open(directory: directory)
            #expect(try store.loadPosition() == nil)
            try store.save(position: position)
        }
        let reopened = try StateStore.open(directory: directory)
        var loaded = try #require(try reopened.loadPosition())
        #expect(loaded.updatedAtMilliseconds > 1_600_000_000_000)
        loaded.updatedAtMilliseconds = 0
        #expect(loaded == position)
        #expect(loaded.earliestNeeded == BinlogFilePosition(file: "mysql-bin.000042", offset: 120_000))

        // Leaving the transaction drops the in-transaction checkpoint; a GTID-only position is allowed.
        try reopened.save(position: SavedPosition(binlog: nil, gtidSet: "0-1-100"))
        let gtidOnly = try #require(try reopened.loadPosition())
        #expect(gtidOnly.binlog == nil && gtidOnly.transaction == nil && gtidOnly.gtidSet == "0-1-100")
        #expect(throws: StateStoreError.self) { try reopened.save(position: SavedPosition(binlog: nil)) }
    }

    @Test func setPositionKeepsServerIdentityAndClearsTransaction() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try StateStore.open(directory: temp.path)
        try store.save(
            position: SavedPosition(
                binlog: BinlogFilePosition(file: "b.000001", offset: 500), serverID: 7, serverUUID: "u",
                transaction: .init(start: BinlogFilePosition(file: "b.000001", offset: 400), recordsDelivered: 3)))
        try store.setPosition(binlog: BinlogFilePosition(file: "b.000002", offset: 4), gtidSet: nil)
        let loaded = try #require(try store.loadPosition())
        #expect(loaded.binlog == BinlogFilePosition(file: "b.000002", offset: 4))
        #expect(loaded.transaction == nil && loaded.gtidSet == nil)
        #expect(loaded.serverID == 7 && loaded.serverUUID == "u")
    }

    @Test func schemaHistoryRoundTripsFiltersAndReplaces() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try StateStore.open(directory: temp.path)
        let avro = AvroSchemaRecord(
            id: 1, subject: "shop.orders-value", version: 1, fingerprint: 0xFEDC_BA98_7654_3210,
            schema: "{\"type\":\"record\",\"name\":\"orders\",\"fields\":[]}")
        var orders1 = sample("shop", "orders", 1, "mysql-bin.000001", 4)
        orders1.avroValueSchemaID = 1
        orders1.schema = []  // an empty blob stays an empty blob, not NULL
        let changes = [
            orders1, sample("shop", "orders", 2, "mysql-bin.000001", 900), sample("crm", "people", 1, "x.1", 4),
        ]
        try store.save(
            position: SavedPosition(binlog: BinlogFilePosition(file: "mysql-bin.000001", offset: 1000)),
            schemaChanges: changes, avroSchemas: [avro])
        #expect(try store.schemaHistory() == [changes[2], changes[0], changes[1]])
        #expect(try store.schemaHistory(database: "shop", table: "orders") == [changes[0], changes[1]])
        #expect(try store.schemaHistory(database: "crm") == [changes[2]])
        #expect(try store.schemaHistory(table: "nothing").isEmpty)
        #expect(try store.avroSchemas() == [avro])

        // A replayed version (same table and version) replaces the stored one instead of failing.
        var replayed = changes[1]
        replayed.schema = Array("{\"replayed\":true}".utf8)
        try store.save(
            position: SavedPosition(binlog: BinlogFilePosition(file: "mysql-bin.000001", offset: 1000)),
            schemaChanges: [replayed])
        #expect(try store.schemaHistory(database: "shop", table: "orders") == [changes[0], replayed])
    }

    @Test func failedSaveLeavesPreviousPositionAndHistoryIntact() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try StateStore.open(directory: temp.path)
        let first = SavedPosition(binlog: BinlogFilePosition(file: "mysql-bin.000001", offset: 100), gtidSet: "0-1-1")
        let history = [sample("shop", "orders", 1, "mysql-bin.000001", 4)]
        try store.save(position: first, schemaChanges: history)

        // The second change references an Avro schema id that does not exist: the foreign key fails half-way
        // through the transaction, after the first change was inserted.
        var broken = sample("shop", "orders", 3, "mysql-bin.000002", 50)
        broken.avroKeySchemaID = 99
        let error = #expect(throws: StateStoreError.self) {
            try store.save(
                position: SavedPosition(binlog: BinlogFilePosition(file: "mysql-bin.000002", offset: 900)),
                schemaChanges: [sample("shop", "orders", 2, "mysql-bin.000002", 4), broken])
        }
        #expect(error?.kind == .sqlite)
        #expect(error?.sql?.contains("INSERT INTO schema_history") == true)
        #expect(try store.loadPosition()?.binlog == first.binlog)
        #expect(try store.schemaHistory() == history)
        #expect(store.database.isInTransaction == false)

        // A body that throws its own error rolls back too, and the error comes out unchanged.
        let thrown = #expect(throws: StateStoreError.self) {
            try store.database.inTransaction { () throws(StateStoreError) in
                try store.database.execute("DELETE FROM schema_history")
                try store.database.execute("DELETE FROM source_position")
                throw StateStoreError(.invalidValue, "sink refused the batch")
            }
        }
        #expect(thrown?.message == "sink refused the batch")
        #expect(try store.loadPosition()?.binlog == first.binlog)
        #expect(try store.schemaHistory() == history)

        // And the store is still usable afterwards.
        try store.save(position: SavedPosition(binlog: BinlogFilePosition(file: "mysql-bin.000003", offset: 4)))
        #expect(try store.loadPosition()?.binlog?.file == "mysql-bin.000003")
    }

    @Test func durabilitySettingsAreApplied() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try StateStore.open(directory: temp.path)
        #expect(try store.database.pragma("journal_mode") == "wal")
        #expect(try store.database.pragma("synchronous") == "2")  // FULL
        #expect(try store.database.pragma("foreign_keys") == "1")
        #expect(try store.database.pragma("user_version") == String(StateStoreSchema.currentVersion))
        // WAL is a property of the file: a fresh connection sees it too.
        let other = try SQLiteDatabase.open(
            path: store.databasePath,
            options: { () -> SQLiteDatabase.Options in
                var options = SQLiteDatabase.Options()
                options.writeAheadLog = false
                options.synchronousFull = false
                return options
            }())
        #expect(try other.pragma("journal_mode") == "wal")
    }

    @Test func secondWriterIsRefusedWithTheHolderPid() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var holder: StateStore? = try StateStore.open(directory: temp.path)
        try holder?.save(position: SavedPosition(binlog: BinlogFilePosition(file: "f.000001", offset: 4)))
        let error = #expect(throws: StateStoreError.self) { try StateStore.open(directory: temp.path) }
        #expect(error?.kind == .locked)
        #expect(error?.description.contains("process \(getpid())") == true)
        #expect(error?.description.contains(temp.path) == true)
        let lockText = try String(contentsOfFile: temp.path + "/lock", encoding: .utf8)
        #expect(lockText == "\(getpid())\n")

        // A reader (position show) does not need the lock and sees the committed position.
        let reader = try StateStore.open(directory: temp.path, mode: .readOnly)
        #expect(try reader.loadPosition()?.binlog?.file == "f.000001")
        #expect(throws: StateStoreError.self) { try reader.clearSnapshotProgress() }

        holder = nil  // closing releases the lock
        let next = try StateStore.open(directory: temp.path)
        #expect(try next.loadPosition()?.binlog?.file == "f.000001")
    }

    @Test func garbageStateFileGivesAClearError() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/state.sqlite"
        let garbage = String(repeating: "this is not a database, just some text. ", count: 200)
        try garbage.write(toFile: path, atomically: false, encoding: .utf8)
        for mode in [StateStore.AccessMode.readWrite, .readOnly] {
            let error = #expect(throws: StateStoreError.self) { try StateStore.open(directory: temp.path, mode: mode) }
            #expect(error?.kind == .corrupt)
            #expect(error?.path == path)
            #expect(error?.description.contains(path) == true)
            #expect(error?.description.contains("restore it from a backup") == true)
        }
        // The garbage is left alone for the operator to inspect.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == garbage)
    }

    @Test func foreignSQLiteDatabaseIsRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        do {
            let other = try SQLiteDatabase.open(path: temp.path + "/state.sqlite")
            try other.execute("CREATE TABLE songs (title TEXT)")
        }
        let error = #expect(throws: StateStoreError.self) { try StateStore.open(directory: temp.path) }
        #expect(error?.kind == .corrupt)
        #expect(error?.description.contains("not binlog-sink state") == true)
    }

    @Test func missingStateIsReportedToReaders() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let error = #expect(throws: StateStoreError.self) {
            try StateStore.open(directory: temp.path + "/nothing", mode: .readOnly)
        }
        #expect(error?.kind == .noState)
        #expect(!FileManager.default.fileExists(atPath: temp.path + "/nothing"))
    }

    @Test func createdFilesArePrivate() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let directory = temp.path + "/a/b/state"
        let previous = umask(0o022)
        defer { umask(previous) }
        let store = try StateStore.open(directory: directory)
        try store.save(position: SavedPosition(binlog: BinlogFilePosition(file: "f.000001", offset: 4)))
        #expect(try TemporaryDirectory.permissions(directory) == 0o700)
        #expect(try TemporaryDirectory.permissions(temp.path + "/a") == 0o700)
        #expect(try TemporaryDirectory.permissions(directory + "/state.sqlite") == 0o600)
        #expect(try TemporaryDirectory.permissions(directory + "/state.sqlite-wal") == 0o600)
        #expect(try TemporaryDirectory.permissions(directory + "/state.sqlite-shm") == 0o600)
        #expect(try TemporaryDirectory.permissions(directory + "/lock") == 0o600)
    }

    @Test func compactionKeepsTheVersionInForceAndLaterOnes() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try StateStore.open(directory: temp.path)
        let history = [
            sample("shop", "orders", 1, "mysql-bin.000001", 4),
            sample("shop", "orders", 2, "mysql-bin.000001", 100),
            sample("shop", "orders", 3, "mysql-bin.000002", 4),
            sample("shop", "orders", 4, "mysql-bin.000003", 4),
            sample("shop", "items", 1, "mysql-bin.000001", 4),
        ]
        try store.save(
            position: SavedPosition(binlog: BinlogFilePosition(file: "mysql-bin.000002", offset: 500)),
            schemaChanges: history)
        // Asked to compact up to 000003:10, the store clamps to its saved position 000002:500.
        let deleted = try store.compactSchemaHistory(
            keepingVersionsNeededFrom: BinlogFilePosition(file: "mysql-bin.000003", offset: 10))
        #expect(deleted == 2)
        #expect(try store.schemaHistory(database: "shop", table: "orders").map(\.version) == [3, 4])
        #expect(try store.schemaHistory(database: "shop", table: "items").map(\.version) == [1])
        #expect(
            try store.compactSchemaHistory(keepingVersionsNeededFrom: BinlogFilePosition(file: "z", offset: 0)) == 0)
    }

    @Test func snapshotProgressRoundTrips() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try StateStore.open(directory: temp.path)
        let started = SnapshotProgress(database: "shop", table: "orders", lastChunkKey: nil, rows: 0, finished: false)
        try store.saveSnapshotProgress(started)
        let done = SnapshotProgress(
            database: "shop", table: "items", lastChunkKey: [0, 1, 255], rows: 10_000, finished: true)
        try store.saveSnapshotProgress(done)
        #expect(try store.snapshotProgress() == [done, started])
        var moved = started
        moved.lastChunkKey = [42]
        moved.rows = 5000
        try store.saveSnapshotProgress(moved)
        #expect(try store.snapshotProgress() == [done, moved])
        try store.clearSnapshotProgress()
        #expect(try store.snapshotProgress().isEmpty)
    }

    @Test func binlogPositionsOrderByFileSequence() {
        func position(_ file: String, _ offset: UInt64) -> BinlogFilePosition {
            BinlogFilePosition(file: file, offset: offset)
        }
        #expect(position("mysql-bin.000009", 900) < position("mysql-bin.000010", 4))
        #expect(position("mysql-bin.999999", 900) < position("mysql-bin.1000000", 4))
        #expect(position("mysql-bin.000010", 4) < position("mysql-bin.000010", 5))
        #expect(!(position("mysql-bin.000010", 5) < position("mysql-bin.000010", 5)))
        #expect(position("mysql-bin.000010", 5).description == "mysql-bin.000010:5")
    }
}

@Suite struct CrossProcessLockTests {
    /// Another process (util-linux `flock`, which uses flock(2) like the store) holds the lock: the store refuses
    /// and names its pid; once that process is killed with SIGKILL, the kernel drops the lock and the store opens.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock")))
    func lockHeldByAnotherProcessAndReleasedByItsDeath() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let lock = temp.path + "/lock"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `flock` takes the lock, then runs a shell that writes its own pid and becomes `sleep`: that process holds
        // the lock (with `flock`, which waits for it) until it dies.
        holder.arguments = [
            "-c", "exec /usr/bin/flock -n \"$1\" sh -c 'echo $$ > \"$1\"; exec sleep 60' sh \"$1\"", "sh", lock,
        ]
        try holder.run()
        var holderPid: Int32?
        defer {
            if let holderPid { kill(holderPid, SIGKILL) }
            if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }
        }
        for _ in 0..<200 {  // up to 10 s
            let text = (try? String(contentsOfFile: lock, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n"), let pid = Int32(text.dropLast()) {
                holderPid = pid
                break
            }
            usleep(50_000)
        }
        let pid = try #require(holderPid)
        let refusal = #expect(throws: StateStoreError.self) { try StateStore.open(directory: temp.path) }
        #expect(refusal?.kind == .locked)
        #expect(refusal?.description.contains("process \(pid)") == true)

        kill(pid, SIGKILL)
        holder.waitUntilExit()
        let store = try StateStore.open(directory: temp.path)
        #expect(try store.loadPosition() == nil)
        #expect(try String(contentsOfFile: lock, encoding: .utf8) == "\(getpid())\n")
    }
}
