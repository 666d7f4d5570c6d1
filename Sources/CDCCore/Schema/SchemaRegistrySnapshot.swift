/// The whole registry as a Codable value, for the state store. Histories are a sorted list rather than a
/// dictionary so the encoding is stable (and table names may contain any character).
public struct SchemaRegistrySnapshot: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var table: TableName
        public var versions: [SchemaRegistry.Version]

        public init(table: TableName, versions: [SchemaRegistry.Version]) {
            self.table = table
            self.versions = versions
        }
    }

    public struct DatabaseEntry: Sendable, Equatable, Codable {
        public var database: String
        public var defaults: DatabaseDefaults

        public init(database: String, defaults: DatabaseDefaults) {
            self.database = database
            self.defaults = defaults
        }
    }

    /// Bumped when the encoding changes incompatibly.
    public var format: Int
    public var mariadb: Bool
    public var tables: [Entry]
    public var databases: [DatabaseEntry]

    public init(format: Int, mariadb: Bool, tables: [Entry], databases: [DatabaseEntry]) {
        self.format = format
        self.mariadb = mariadb
        self.tables = tables
        self.databases = databases
    }
}

extension SchemaRegistry {
    public func snapshot() -> SchemaRegistrySnapshot {
        SchemaRegistrySnapshot(
            format: 1, mariadb: mariadb,
            tables: histories.keys.sorted().map { .init(table: $0, versions: histories[$0] ?? []) },
            databases: databaseDefaults.keys.sorted().map {
                .init(database: $0, defaults: databaseDefaults[$0] ?? DatabaseDefaults(charset: nil, collation: nil))
            })
    }

    public init(snapshot: SchemaRegistrySnapshot) {
        self.init(mariadb: snapshot.mariadb)
        for entry in snapshot.tables {
            histories[entry.table] = entry.versions.sorted { $0.position < $1.position }
        }
        for entry in snapshot.databases { databaseDefaults[entry.database] = entry.defaults }
    }
}
