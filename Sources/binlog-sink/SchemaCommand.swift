import ArgumentParser
import BinlogCompression
import BinlogDecoder
import CDCCore

/// `binlog-sink schema show`: what the schema registry knows — every table version with the position it starts
/// at, its columns, and optionally its Avro key and value schemas with their fingerprints.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Inspect the schema registry.",
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the table versions the registry knows (saved state, or the DDL in binlog files).",
            discussion: """
                With --state DIR: the schema history a `run --state DIR` saved (read without taking the state's \
                lock, so it works while the run goes on). With --binlog FILES: the registry built from the \
                CREATE/ALTER/RENAME/DROP TABLE statements in those files, in order. Without a table, every table is \
                listed.
                """
        )

        @Argument(help: "A table, db.table (default: all).")
        var table: String?

        @Option(
            name: .customLong("binlog"), parsing: .upToNextOption, help: "Binlog files to read the DDL from, in order.")
        var binlogs: [String] = []

        @Option(help: "The state directory of a run (its saved schema history).")
        var state: String?

        @Option(help: "Show the version in force at FILE:POS (default: every version).")
        var at: String?

        @Flag(help: "Print each version's Avro key and value schemas and their fingerprints (CRC-64-AVRO).")
        var avro = false

        func validate() throws {
            if binlogs.isEmpty == (state == nil) {
                throw ValidationError("give either --state DIR or the binlog files to read with --binlog FILE…")
            }
            if let table, table.split(separator: ".").count != 2 {
                throw ValidationError("table '\(table)' must have the form db.table")
            }
            if let at, Self.position(at) == nil {
                throw ValidationError("--at must be FILE:POS, e.g. mysql-bin.000003:1234")
            }
        }

        static func position(_ text: String) -> SchemaPosition? {
            guard let colon = text.lastIndex(of: ":"), let offset = UInt64(text[text.index(after: colon)...]) else {
                return nil
            }
            return SchemaPosition(file: String(text[..<colon]), offset: offset)
        }

        func run() throws {
            let registry: SchemaRegistry
            do throws(CDCError) {
                if let state {
                    let keeper = try StateKeeper(directory: state, filter: TableFilter(), readOnly: true)
                    guard let saved = try keeper.loadRegistry(mariadb: false) else {
                        throw CDCError(.io, "\(state): no schema history has been saved yet")
                    }
                    registry = saved
                } else {
                    registry = try Self.registry(from: binlogs)
                }
            } catch {
                throw ErrorReporter.exit(for: error)
            }
            var tables = registry.tables
            if let table {
                let parts = table.split(separator: ".").map(String.init)
                tables = tables.filter { $0 == TableName(parts[0], parts[1]) }
                if tables.isEmpty {
                    ErrorReporter.printError(
                        "\(table): \(state == nil ? "no CREATE TABLE or other DDL for it in the files read" : "not in the saved schema history")"
                    )
                    throw ExitCode(2)
                }
            }
            let position = at.flatMap(Self.position)
            for name in tables {
                var versions = registry.versions(of: name)
                if let position {
                    versions = versions.filter { $0.position <= position }.suffix(1).map { $0 }
                }
                for version in versions {
                    print("\(name) from \(version.position == .start ? "the start" : version.position.description)")
                    guard let schema = version.schema else {
                        print("  (dropped)")
                        continue
                    }
                    for column in schema.columns {
                        var line = "  \(column.name) \(column.columnType(mariadb: registry.mariadb))"
                        if !column.nullable { line += " NOT NULL" }
                        if let charset = column.charset { line += " CHARACTER SET \(charset)" }
                        if schema.primaryKey.contains(column.name) { line += " (primary key)" }
                        print(line)
                    }
                    if avro {
                        let avroSchema = AvroSchema(table: schema, mariadb: registry.mariadb)
                        print(
                            "  avro key (fingerprint \(Self.hex(avroSchema.key.fingerprint))): \(avroSchema.key.json)")
                        print(
                            "  avro value (fingerprint \(Self.hex(avroSchema.value.fingerprint))): \(avroSchema.value.json)"
                        )
                    }
                }
            }
        }

        static func hex(_ value: UInt64) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, 16 - text.count)) + text
        }

        /// Replays the DDL of `paths` into a registry.
        static func registry(from paths: [String]) throws(CDCError) -> SchemaRegistry {
            var registry = SchemaRegistry(mariadb: ParseCommand.looksLikeMariaDB(paths.first))
            try DDLLookahead.forEachQuery(
                BinlogFilesSource(paths: paths), decompressor: SystemDecompressor(), crc32: SystemDecompressor.crc32
            ) { (query, position) throws(CDCError) in
                let changes = DDLParser.parse(query.query, defaultDatabase: query.database)
                if changes.isEmpty { return }
                for problem in registry.apply(changes, at: position) {
                    Logger.warn("at \(position): \(problem)")
                }
            }
            return registry
        }
    }
}
