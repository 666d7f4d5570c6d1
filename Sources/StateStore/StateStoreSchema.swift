/// The state database's schema, versioned with `PRAGMA user_version`: migration `i` moves version `i` to `i + 1`,
/// each in its own transaction together with the version bump. Never edit a shipped migration; append one.
enum StateStoreSchema {
    /// Marks the file as binlog-sink state (`PRAGMA application_id`, "BLSK").
    static let applicationID: Int64 = 0x424C_534B

    static var currentVersion: Int64 { Int64(migrations.count) }

    static let migrations: [String] = [
        """
        CREATE TABLE source_position (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            binlog_file TEXT,
            binlog_offset INTEGER CHECK (binlog_offset >= 0),
            gtid_set TEXT,
            server_id INTEGER,
            server_uuid TEXT,
            tx_start_file TEXT,
            tx_start_offset INTEGER,
            tx_records_delivered INTEGER CHECK (tx_records_delivered >= 0),
            updated_at_ms INTEGER NOT NULL,
            CHECK ((binlog_file IS NULL) = (binlog_offset IS NULL)),
            CHECK (binlog_file IS NOT NULL OR gtid_set IS NOT NULL OR tx_start_file IS NOT NULL),
            CHECK ((tx_start_file IS NULL) = (tx_start_offset IS NULL)
                AND (tx_start_file IS NULL) = (tx_records_delivered IS NULL))
        ) STRICT;
        CREATE TABLE avro_schemas (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL,
            version INTEGER NOT NULL,
            fingerprint INTEGER NOT NULL,
            schema_json TEXT NOT NULL,
            UNIQUE (subject, version)
        ) STRICT;
        CREATE TABLE schema_history (
            id INTEGER PRIMARY KEY,
            db TEXT NOT NULL,
            table_name TEXT NOT NULL,
            version INTEGER NOT NULL,
            valid_from_file TEXT NOT NULL,
            valid_from_offset INTEGER NOT NULL CHECK (valid_from_offset >= 0),
            schema_json BLOB NOT NULL,
            avro_key_schema_id INTEGER REFERENCES avro_schemas (id),
            avro_value_schema_id INTEGER REFERENCES avro_schemas (id),
            created_at_ms INTEGER NOT NULL,
            UNIQUE (db, table_name, version)
        ) STRICT;
        CREATE TABLE snapshot_progress (
            db TEXT NOT NULL,
            table_name TEXT NOT NULL,
            last_chunk_key BLOB,
            row_count INTEGER NOT NULL CHECK (row_count >= 0),
            finished INTEGER NOT NULL CHECK (finished IN (0, 1)),
            updated_at_ms INTEGER NOT NULL,
            PRIMARY KEY (db, table_name)
        ) STRICT;
        """,
        // 2: Avro registrations keyed by subject and version (one schema id may serve several subjects).
        """
        CREATE TABLE avro_registrations (
            subject TEXT NOT NULL,
            version INTEGER NOT NULL,
            id INTEGER NOT NULL,
            fingerprint INTEGER NOT NULL,
            schema_json TEXT NOT NULL,
            PRIMARY KEY (subject, version)
        ) STRICT;
        INSERT INTO avro_registrations (subject, version, id, fingerprint, schema_json)
            SELECT subject, version, id, fingerprint, schema_json FROM avro_schemas;
        """,
        // 3: the table filter an in-transaction checkpoint's record count was taken under.
        """
        ALTER TABLE source_position ADD COLUMN tx_filter TEXT;
        """,
        // 4: the initial snapshot as a whole (its oldest consistent position, finished or not) and chunks per table.
        """
        CREATE TABLE snapshot_run (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            binlog_file TEXT NOT NULL,
            binlog_offset INTEGER NOT NULL CHECK (binlog_offset >= 0),
            started_at_ms INTEGER NOT NULL,
            finished INTEGER NOT NULL CHECK (finished IN (0, 1)),
            finished_at_ms INTEGER,
            updated_at_ms INTEGER NOT NULL
        ) STRICT;
        ALTER TABLE snapshot_progress ADD COLUMN chunk_count INTEGER NOT NULL DEFAULT 0 CHECK (chunk_count >= 0);
        """,
    ]

    /// Brings `database` to `currentVersion`, refusing files that are not binlog-sink state or come from a newer
    /// release.
    static func migrate(_ database: SQLiteDatabase) throws(StateStoreError) {
        let version = try checkCompatible(database)
        guard version < currentVersion else { return }
        for index in Int(version)..<migrations.count {
            try database.inTransaction { () throws(StateStoreError) in
                try database.executeScript(migrations[index])
                try database.execute("PRAGMA user_version = \(index + 1)")
                try database.execute("PRAGMA application_id = \(applicationID)")
            }
        }
    }

    /// Returns the file's schema version after checking it belongs to binlog-sink and is not from a newer release.
    @discardableResult
    static func checkCompatible(_ database: SQLiteDatabase) throws(StateStoreError) -> Int64 {
        let version = try database.query("PRAGMA user_version").first?.int64(0) ?? 0
        let application = try database.query("PRAGMA application_id").first?.int64(0) ?? 0
        if application != applicationID {
            let tables = try database.query("SELECT count(*) FROM sqlite_schema").first?.int64(0) ?? 0
            if application != 0 || version != 0 || tables != 0 {
                throw StateStoreError(
                    .corrupt, "this SQLite database is not binlog-sink state", path: database.path,
                    hint: "point --state at a directory of its own")
            }
        }
        if version > currentVersion {
            throw StateStoreError(
                .incompatible,
                "the state was written by a newer binlog-sink (state format \(version); this binary knows up to "
                    + "\(currentVersion))",
                path: database.path, hint: "run the newer binlog-sink, or restore a backup made before the upgrade")
        }
        return version
    }
}
