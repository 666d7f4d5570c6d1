import CDCCore
import Foundation
import StateStore

/// Joins the pipeline to the state store: loads the saved position and schema history at start, and saves each
/// checkpoint together with the schema versions it needs, in one SQLite transaction.
///
/// Schema history holds only captured tables (those the table filter accepts). Each saved version is the
/// registry's `SchemaRegistry.Version` as JSON; a table's versions are numbered 1, 2, … in the order they were
/// saved, and a version replaced at the same position (a table re-read from information_schema) is saved again
/// under the next number: loading keeps the highest number per position. Database defaults (character set and
/// collation, needed for CREATE TABLE without one) are kept as versions of the table named "" in that database.
///
/// Used on the pipeline's thread, except `saveAvroSchemas`, which the embedded registry's thread also calls
/// (`--registry-writable`): writes to the store happen under `lock`.
final class StateKeeper: @unchecked Sendable {
    let store: StateStore
    private let lock = NSLock()
    let filter: TableFilter
    private var savedTables: [TableName: [SchemaRegistry.Version]] = [:]
    private var savedDatabases: [String: DatabaseDefaults] = [:]
    private var numbers: [TableName: Int64] = [:]
    private var lastSaved: PipelineCheckpoint?
    private var saves = 0

    /// Read-write takes the state's lock (one run at a time); read-only (`schema show`, `parse --state`) does not.
    init(directory: String, filter: TableFilter, readOnly: Bool = false) throws(CDCError) {
        do {
            store = try StateStore.open(directory: directory, mode: readOnly ? .readOnly : .readWrite)
        } catch {
            throw Self.cdcError(error)
        }
        self.filter = filter
        for warning in store.permissionWarnings { Logger.warn(warning) }
    }

    static func cdcError(_ error: StateStoreError) -> CDCError {
        CDCError(error.kind == .io ? .io : error.kind == .locked ? .locked : .state, error.description)
    }

    func loadPosition() throws(CDCError) -> SavedPosition? {
        do {
            return try store.loadPosition()
        } catch {
            throw Self.cdcError(error)
        }
    }

    /// The Avro schema registrations saved by earlier runs.
    func loadAvroSchemas() throws(CDCError) -> [CDCCore.AvroSchemaRecord] {
        do {
            return try store.avroSchemas().compactMap { saved in
                guard let id = Int32(exactly: saved.id), let version = Int(exactly: saved.version) else { return nil }
                return CDCCore.AvroSchemaRecord(
                    id: id, subject: saved.subject, version: version, fingerprint: saved.fingerprint,
                    schema: saved.schema)
            }
        } catch {
            throw Self.cdcError(error)
        }
    }

    /// Saves new Avro schema registrations at once: their ids must survive a crash before any message using them
    /// is acknowledged.
    func saveAvroSchemas(_ records: [CDCCore.AvroSchemaRecord]) throws(CDCError) {
        guard !records.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        do {
            try store.saveAvroSchemas(
                records.map {
                    StoredAvroSchema(
                        id: Int64($0.id), subject: $0.subject, version: Int64($0.version),
                        fingerprint: $0.fingerprint, schema: $0.schema)
                })
        } catch {
            throw Self.cdcError(error)
        }
    }

    /// What the pseudo-record of table "" in database "" holds: the source's flavor.
    private struct Flavor: Codable {
        var mariadb: Bool
    }
    private var savedFlavor: Bool?

    /// The registry as saved, or nil when no schema history was saved. `mariadb` applies when the state does not
    /// say which server wrote it.
    func loadRegistry(mariadb: Bool) throws(CDCError) -> SchemaRegistry? {
        let history: [SchemaVersionRecord]
        do {
            history = try store.schemaHistory()
        } catch {
            throw Self.cdcError(error)
        }
        guard !history.isEmpty else { return nil }
        let decoder = JSONDecoder()
        var tables: [TableName: [SchemaPosition: SchemaRegistry.Version]] = [:]
        var databases: [String: DatabaseDefaults] = [:]
        for record in history {  // ordered by db, table, version: later numbers replace earlier ones
            let name = TableName(record.database, record.table)
            numbers[name] = max(numbers[name] ?? 0, record.version)
            do {
                if record.table.isEmpty && record.database.isEmpty {
                    savedFlavor = try decoder.decode(Flavor.self, from: Data(record.schema)).mariadb
                } else if record.table.isEmpty {
                    databases[record.database] = try decoder.decode(DatabaseDefaults.self, from: Data(record.schema))
                } else {
                    let version = try decoder.decode(SchemaRegistry.Version.self, from: Data(record.schema))
                    tables[name, default: [:]][version.position] = version
                }
            } catch {
                throw CDCError(
                    .state,
                    "\(store.databasePath): schema history of \(record.database).\(record.table) version "
                        + "\(record.version) cannot be read (\(error)); the state was written by an incompatible "
                        + "binlog-sink or damaged: restore a backup or start a new --state")
            }
        }
        let snapshot = SchemaRegistrySnapshot(
            format: 1, mariadb: savedFlavor ?? mariadb,
            tables: tables.keys.sorted().map { name in
                SchemaRegistrySnapshot.Entry(
                    table: name, versions: (tables[name] ?? [:]).values.sorted { $0.position < $1.position })
            },
            databases: databases.keys.sorted().map {
                SchemaRegistrySnapshot.DatabaseEntry(
                    database: $0, defaults: databases[$0] ?? DatabaseDefaults(charset: nil, collation: nil))
            })
        for entry in snapshot.tables { savedTables[entry.table] = entry.versions }
        savedDatabases = databases
        return SchemaRegistry(snapshot: snapshot)
    }

    /// Saves the checkpoint and the schema versions added since the last save, atomically.
    func save(_ checkpoint: PipelineCheckpoint, registry: SchemaRegistry?, serverID: UInt32?) throws(CDCError) {
        var changes: [SchemaVersionRecord] = []
        var newTables: [TableName: [SchemaRegistry.Version]] = [:]
        var newDatabases: [String: DatabaseDefaults] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            if let registry {
                for table in registry.tables where filter.accepts(database: table.database, table: table.table) {
                    let versions = registry.versions(of: table)
                    let saved = savedTables[table] ?? []
                    let fresh = versions.filter { !saved.contains($0) }
                    guard !fresh.isEmpty else { continue }
                    for version in fresh {
                        let number = (numbers[table] ?? 0) + 1
                        numbers[table] = number
                        changes.append(
                            SchemaVersionRecord(
                                database: table.database, table: table.table, version: number,
                                validFrom: BinlogFilePosition(
                                    file: version.position.file, offset: version.position.offset),
                                schema: Array(try encoder.encode(version))))
                    }
                    newTables[table] = versions
                }
                if savedFlavor != registry.mariadb {
                    let name = TableName("", "")
                    let number = (numbers[name] ?? 0) + 1
                    numbers[name] = number
                    changes.append(
                        SchemaVersionRecord(
                            database: "", table: "", version: number,
                            validFrom: BinlogFilePosition(file: "", offset: 0),
                            schema: Array(try encoder.encode(Flavor(mariadb: registry.mariadb)))))
                }
                for (database, defaults) in registry.databaseDefaults where savedDatabases[database] != defaults {
                    let name = TableName(database, "")
                    let number = (numbers[name] ?? 0) + 1
                    numbers[name] = number
                    changes.append(
                        SchemaVersionRecord(
                            database: database, table: "", version: number,
                            validFrom: BinlogFilePosition(file: "", offset: 0),
                            schema: Array(try encoder.encode(defaults))))
                    newDatabases[database] = defaults
                }
            }
        } catch {
            throw CDCError(.state, "cannot encode the schema history: \(error)")
        }
        guard checkpoint != lastSaved || !changes.isEmpty else { return }
        var position = SavedPosition(
            binlog: checkpoint.next.map { BinlogFilePosition(file: $0.file, offset: $0.offset) })
        position.serverID = serverID
        if let open = checkpoint.transaction {
            position.transaction = SavedPosition.TransactionCheckpoint(
                start: BinlogFilePosition(file: open.start.file, offset: open.start.offset),
                recordsDelivered: open.records, filter: filter.description)
        }
        guard position.binlog != nil || position.transaction != nil else { return }
        lock.lock()
        defer { lock.unlock() }
        do {
            try store.save(position: position, schemaChanges: changes)
            saves += 1
            if saves % 600 == 0, let needed = position.earliestNeeded {
                try store.compactSchemaHistory(keepingVersionsNeededFrom: needed)
            }
        } catch {
            throw Self.cdcError(error)
        }
        for (table, versions) in newTables { savedTables[table] = versions }
        for (database, defaults) in newDatabases { savedDatabases[database] = defaults }
        if let registry { savedFlavor = registry.mariadb }
        lastSaved = checkpoint
    }
}
