/// The local state of one capture: the saved position, schema history, Avro schema ids and snapshot progress, in
/// one SQLite file `DIR/state.sqlite` so that a position and the schema history it needs are always saved together.
///
/// A read-write store holds the exclusive lock `DIR/lock` for its lifetime: two runs never write the same state.
/// A read-only store (for `position show`) takes no lock and never writes.
///
/// Not thread-safe (like `SQLiteDatabase`): one owner uses it at a time.
public final class StateStore {
    public enum AccessMode: Sendable {
        /// Create the directory and database if needed, take the lock, migrate the schema.
        case readWrite
        /// Open existing state without locking or writing; fails with `.noState` when there is none.
        case readOnly
    }

    public static let databaseFileName = "state.sqlite"
    public static let lockFileName = "lock"
    /// The `--state` default: a directory in the working directory.
    public static let defaultDirectory = "binlog-sink-state"

    public let directory: String
    public var databasePath: String { database.path }
    let database: SQLiteDatabase
    private let lock: StateDirectoryLock?
    /// Read-write only: what `StatePermissions` found open to the group or others when the store was opened (an
    /// existing directory is not tightened; the caller warns).
    public private(set) var permissionWarnings: [String] = []

    private init(directory: String, database: SQLiteDatabase, lock: StateDirectoryLock?) {
        self.directory = directory
        self.database = database
        self.lock = lock
    }

    /// Opens the state in `directory` (created with mode 0700, the database with 0600).
    public static func open(directory: String, mode: AccessMode = .readWrite) throws(StateStoreError) -> StateStore {
        let trimmed = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let path = trimmed + "/" + databaseFileName
        switch mode {
        case .readWrite:
            try FileSystem.createDirectory(trimmed)
            let lock = try StateDirectoryLock.acquire(path: trimmed + "/" + lockFileName, directory: trimmed)
            try FileSystem.createPrivateFile(path)
            let database = try explainingCorruption(path) { () throws(StateStoreError) in
                let database = try SQLiteDatabase.open(path: path)
                try StateStoreSchema.migrate(database)
                return database
            }
            let store = StateStore(directory: trimmed, database: database, lock: lock)
            store.permissionWarnings = StatePermissions.warnings(directory: trimmed)
            return store
        case .readOnly:
            guard FileSystem.exists(path) else {
                throw StateStoreError(
                    .noState, "no binlog-sink state here (\(databaseFileName) does not exist)", path: trimmed,
                    hint: "check --state; state is created by the first run")
            }
            let database = try explainingCorruption(path) { () throws(StateStoreError) in
                var options = SQLiteDatabase.Options()
                options.create = false
                options.queryOnly = true
                let database = try SQLiteDatabase.open(path: path, options: options)
                let version = try StateStoreSchema.checkCompatible(database)
                guard version == StateStoreSchema.currentVersion else {
                    throw StateStoreError(
                        .noState,
                        version == 0
                            ? "the state database is empty"
                            : "the state has an older format (\(version)); open it once read-write to upgrade it",
                        path: path)
                }
                return database
            }
            return StateStore(directory: trimmed, database: database, lock: nil)
        }
    }

    /// Turns SQLite's "file is not a database" into an error that names the file and says what to do.
    private static func explainingCorruption<T>(
        _ path: String, _ body: () throws(StateStoreError) -> T
    ) throws(StateStoreError) -> T {
        do {
            return try body()
        } catch {
            guard error.kind == .corrupt else { throw error }
            var explained = error
            explained.message =
                "the state database is damaged or not a binlog-sink state file (\(error.message)); "
                + "its position and schema history cannot be used"
            explained.path = path
            explained.hint =
                "move the directory aside and restore it from a backup, or start over with a new --state "
                + "directory and an explicit --start (rows may then be missed or repeated)"
            throw explained
        }
    }

    // MARK: Position

    /// The saved position, or nil when none was saved yet.
    public func loadPosition() throws(StateStoreError) -> SavedPosition? {
        let rows = try database.query(
            """
            SELECT binlog_file, binlog_offset, gtid_set, server_id, server_uuid,
                   tx_start_file, tx_start_offset, tx_records_delivered, updated_at_ms, tx_filter
            FROM source_position WHERE id = 1
            """)
        guard let row = rows.first else { return nil }
        var position = SavedPosition(binlog: nil, updatedAtMilliseconds: try row.int64(8))
        if let file = try row.optionalString(0) {
            position.binlog = BinlogFilePosition(file: file, offset: try unsigned(row.int64(1), "binlog_offset"))
        }
        position.gtidSet = try row.optionalString(2)
        if let serverID = try row.optionalInt64(3) {
            guard let value = UInt32(exactly: serverID) else { throw invalid("server_id \(serverID) out of range") }
            position.serverID = value
        }
        position.serverUUID = try row.optionalString(4)
        if let file = try row.optionalString(5) {
            position.transaction = SavedPosition.TransactionCheckpoint(
                start: BinlogFilePosition(file: file, offset: try unsigned(row.int64(6), "tx_start_offset")),
                recordsDelivered: try unsigned(row.int64(7), "tx_records_delivered"), filter: try row.optionalString(9))
        }
        return position
    }

    /// Saves the checkpoint together with the schema versions and Avro schemas it depends on, in one transaction:
    /// either all of it is durable (fsynced) when this returns, or none of it is.
    ///
    /// A schema version that already exists (same table and version, e.g. replayed after a restart) is replaced.
    public func save(
        position: SavedPosition, schemaChanges: [SchemaVersionRecord] = [], avroSchemas: [AvroSchemaRecord] = []
    ) throws(StateStoreError) {
        try database.inTransaction { () throws(StateStoreError) in
            for schema in avroSchemas { try insert(schema) }
            for change in schemaChanges { try insert(change) }
            try write(position)
        }
    }

    /// Replaces the saved position by an operator's choice (`position set`): keeps the server identity, drops any
    /// in-transaction checkpoint.
    public func setPosition(binlog: BinlogFilePosition?, gtidSet: String?) throws(StateStoreError) {
        guard binlog != nil || gtidSet != nil else { throw invalid("a position needs a file and offset or a GTID set") }
        try database.inTransaction { () throws(StateStoreError) in
            let current = try loadPosition()
            try write(
                SavedPosition(
                    binlog: binlog, gtidSet: gtidSet, serverID: current?.serverID, serverUUID: current?.serverUUID))
        }
    }

    func write(_ position: SavedPosition) throws(StateStoreError) {
        guard position.binlog != nil || position.gtidSet != nil || position.transaction != nil else {
            throw invalid("a position needs a file and offset, a GTID set or a transaction start")
        }
        try database.execute(
            """
            INSERT OR REPLACE INTO source_position
                (id, binlog_file, binlog_offset, gtid_set, server_id, server_uuid,
                 tx_start_file, tx_start_offset, tx_records_delivered, updated_at_ms, tx_filter)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                SQLiteValue(position.binlog?.file), try optionalSigned(position.binlog?.offset),
                SQLiteValue(position.gtidSet), SQLiteValue(position.serverID.map { Int64($0) }),
                SQLiteValue(position.serverUUID), SQLiteValue(position.transaction?.start.file),
                try optionalSigned(position.transaction?.start.offset),
                try optionalSigned(position.transaction?.recordsDelivered),
                .integer(FileSystem.nowMilliseconds()), SQLiteValue(position.transaction?.filter),
            ])
    }

    // MARK: Schema history

    private func insert(_ change: SchemaVersionRecord) throws(StateStoreError) {
        try database.execute(
            """
            INSERT INTO schema_history
                (db, table_name, version, valid_from_file, valid_from_offset, schema_json,
                 avro_key_schema_id, avro_value_schema_id, created_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (db, table_name, version) DO UPDATE SET
                valid_from_file = excluded.valid_from_file, valid_from_offset = excluded.valid_from_offset,
                schema_json = excluded.schema_json, avro_key_schema_id = excluded.avro_key_schema_id,
                avro_value_schema_id = excluded.avro_value_schema_id
            """,
            [
                .text(change.database), .text(change.table), .integer(change.version), .text(change.validFrom.file),
                .integer(try signed(change.validFrom.offset)), .blob(change.schema),
                SQLiteValue(change.avroKeySchemaID), SQLiteValue(change.avroValueSchemaID),
                .integer(FileSystem.nowMilliseconds()),
            ])
    }

    /// Schema versions, optionally of one database or one table, ordered by database, table and version.
    public func schemaHistory(database name: String? = nil, table: String? = nil) throws(StateStoreError)
        -> [SchemaVersionRecord]
    {
        let rows = try database.query(
            """
            SELECT db, table_name, version, valid_from_file, valid_from_offset, schema_json,
                   avro_key_schema_id, avro_value_schema_id
            FROM schema_history
            WHERE (?1 IS NULL OR db = ?1) AND (?2 IS NULL OR table_name = ?2)
            ORDER BY db, table_name, version
            """, [SQLiteValue(name), SQLiteValue(table)])
        var history: [SchemaVersionRecord] = []
        history.reserveCapacity(rows.count)
        for row in rows {
            history.append(
                SchemaVersionRecord(
                    database: try row.string(0), table: try row.string(1), version: try row.int64(2),
                    validFrom: BinlogFilePosition(
                        file: try row.string(3), offset: try unsigned(row.int64(4), "valid_from_offset")),
                    schema: try row.blob(5), avroKeySchemaID: try row.optionalInt64(6),
                    avroValueSchemaID: try row.optionalInt64(7)))
        }
        return history
    }

    /// Deletes schema versions no reader can need any more: for each table, every version older than the one in
    /// force at `position`. Versions valid from later positions are kept. The position is clamped to the saved
    /// position (a restart reads from there), so compaction never removes history the checkpoint needs.
    /// Returns the number of versions deleted.
    @discardableResult
    public func compactSchemaHistory(keepingVersionsNeededFrom position: BinlogFilePosition) throws(StateStoreError)
        -> Int
    {
        try database.inTransaction { () throws(StateStoreError) -> Int in
            var cutoff = position
            if let saved = try loadPosition() {
                guard let needed = saved.earliestNeeded else { return 0 }  // GTID-only: the file position is unknown
                cutoff = min(cutoff, needed)
            }
            var doomed: [Int64] = []
            var inForce: [String: (version: Int64, ids: [(Int64, Int64)])] = [:]
            let rows = try database.query(
                "SELECT id, db, table_name, version, valid_from_file, valid_from_offset FROM schema_history")
            for row in rows {
                let validFrom = BinlogFilePosition(
                    file: try row.string(4), offset: try unsigned(row.int64(5), "valid_from_offset"))
                guard validFrom <= cutoff else { continue }
                let key = try row.string(1) + "\u{0}" + row.string(2)
                let version = try row.int64(3)
                var entry = inForce[key] ?? (version: version, ids: [])
                entry.version = max(entry.version, version)
                entry.ids.append((try row.int64(0), version))
                inForce[key] = entry
            }
            for entry in inForce.values {
                for (id, version) in entry.ids where version < entry.version { doomed.append(id) }
            }
            for id in doomed { try database.execute("DELETE FROM schema_history WHERE id = ?", [.integer(id)]) }
            return doomed.count
        }
    }

    // MARK: Avro schemas

    private func insert(_ schema: AvroSchemaRecord) throws(StateStoreError) {
        // avro_schemas keeps one row per id (schema_history's references point there); avro_registrations one per
        // subject version.
        try database.execute(
            """
            INSERT INTO avro_schemas (id, subject, version, fingerprint, schema_json) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            [
                .integer(schema.id), .text(schema.subject), .integer(schema.version),
                .integer(Int64(bitPattern: schema.fingerprint)), .text(schema.schema),
            ])
        try database.execute(
            """
            INSERT INTO avro_registrations (id, subject, version, fingerprint, schema_json) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (subject, version) DO NOTHING
            """,
            [
                .integer(schema.id), .text(schema.subject), .integer(schema.version),
                .integer(Int64(bitPattern: schema.fingerprint)), .text(schema.schema),
            ])
    }

    /// Saves Avro schema registrations at once (before any message uses their ids), without touching the position.
    public func saveAvroSchemas(_ schemas: [AvroSchemaRecord]) throws(StateStoreError) {
        guard !schemas.isEmpty else { return }
        try database.inTransaction { () throws(StateStoreError) in
            for schema in schemas { try insert(schema) }
        }
    }

    /// Every registered Avro schema, by id.
    public func avroSchemas() throws(StateStoreError) -> [AvroSchemaRecord] {
        var schemas: [AvroSchemaRecord] = []
        for row in try database.query(
            "SELECT id, subject, version, fingerprint, schema_json FROM avro_registrations ORDER BY id, subject")
        {
            schemas.append(
                AvroSchemaRecord(
                    id: try row.int64(0), subject: try row.string(1), version: try row.int64(2),
                    fingerprint: UInt64(bitPattern: try row.int64(3)), schema: try row.string(4)))
        }
        return schemas
    }

    // MARK: Snapshot progress

    /// Records a table's snapshot progress (insert or replace).
    public func saveSnapshotProgress(_ progress: SnapshotProgress) throws(StateStoreError) {
        try database.execute(
            """
            INSERT OR REPLACE INTO snapshot_progress
                (db, table_name, last_chunk_key, row_count, finished, updated_at_ms, chunk_count)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(progress.database), .text(progress.table), SQLiteValue(progress.lastChunkKey),
                .integer(try signed(progress.rows)), .integer(progress.finished ? 1 : 0),
                .integer(FileSystem.nowMilliseconds()), .integer(try signed(progress.chunks)),
            ])
    }

    public func snapshotProgress() throws(StateStoreError) -> [SnapshotProgress] {
        var result: [SnapshotProgress] = []
        for row in try database.query(
            """
            SELECT db, table_name, last_chunk_key, row_count, finished, chunk_count FROM snapshot_progress
            ORDER BY db, table_name
            """)
        {
            result.append(
                SnapshotProgress(
                    database: try row.string(0), table: try row.string(1), lastChunkKey: try row.optionalBlob(2),
                    rows: try unsigned(row.int64(3), "row_count"), finished: try row.int64(4) != 0,
                    chunks: try unsigned(row.int64(5), "chunk_count")))
        }
        return result
    }

    public func clearSnapshotProgress() throws(StateStoreError) {
        try database.inTransaction { () throws(StateStoreError) in
            try database.execute("DELETE FROM snapshot_progress")
            try database.execute("DELETE FROM snapshot_run")
        }
    }

    /// The initial snapshot's run record, nil when no snapshot was started on this state.
    public func snapshotRun() throws(StateStoreError) -> SnapshotRun? {
        guard
            let row = try database.query(
                "SELECT binlog_file, binlog_offset, started_at_ms, finished, finished_at_ms FROM snapshot_run WHERE id = 1"
            ).first
        else { return nil }
        return SnapshotRun(
            position: BinlogFilePosition(
                file: try row.string(0), offset: try unsigned(row.int64(1), "snapshot_run.binlog_offset")),
            startedAtMilliseconds: try row.int64(2), finished: try row.int64(3) != 0,
            finishedAtMilliseconds: try row.optionalInt64(4))
    }

    /// Starts (or restarts) the initial snapshot's record: drops the progress of any earlier snapshot.
    public func beginSnapshotRun(_ run: SnapshotRun) throws(StateStoreError) {
        try database.inTransaction { () throws(StateStoreError) in
            try database.execute("DELETE FROM snapshot_progress")
            try writeSnapshotRun(run)
        }
    }

    /// Saves one table's progress (after the sink acknowledged its rows) together with the run record.
    public func saveSnapshotCheckpoint(_ progress: SnapshotProgress, run: SnapshotRun) throws(StateStoreError) {
        try database.inTransaction { () throws(StateStoreError) in
            try saveSnapshotProgress(progress)
            try writeSnapshotRun(run)
        }
    }

    /// Marks the snapshot finished and sets the saved position to where streaming continues, in one transaction:
    /// a crash leaves either an unfinished snapshot (resumed) or a finished one with its position.
    public func finishSnapshotRun(_ run: SnapshotRun, position: SavedPosition) throws(StateStoreError) {
        var finished = run
        finished.finished = true
        finished.finishedAtMilliseconds = FileSystem.nowMilliseconds()
        try database.inTransaction { () throws(StateStoreError) in
            try writeSnapshotRun(finished)
            try write(position)
        }
    }

    private func writeSnapshotRun(_ run: SnapshotRun) throws(StateStoreError) {
        try database.execute(
            """
            INSERT OR REPLACE INTO snapshot_run
                (id, binlog_file, binlog_offset, started_at_ms, finished, finished_at_ms, updated_at_ms)
            VALUES (1, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(run.position.file), .integer(try signed(run.position.offset)),
                .integer(run.startedAtMilliseconds), .integer(run.finished ? 1 : 0),
                SQLiteValue(run.finishedAtMilliseconds), .integer(FileSystem.nowMilliseconds()),
            ])
    }

    // MARK: Helpers

    func signed(_ value: UInt64) throws(StateStoreError) -> Int64 {
        guard let signed = Int64(exactly: value) else { throw invalid("value \(value) is too large to store") }
        return signed
    }

    private func optionalSigned(_ value: UInt64?) throws(StateStoreError) -> SQLiteValue {
        guard let value else { return .null }
        return .integer(try signed(value))
    }

    func unsigned(_ value: Int64, _ column: String) throws(StateStoreError) -> UInt64 {
        guard let unsigned = UInt64(exactly: value) else { throw invalid("\(column) is negative (\(value))") }
        return unsigned
    }

    private func invalid(_ message: String) -> StateStoreError {
        StateStoreError(.invalidValue, message, path: database.path)
    }
}
