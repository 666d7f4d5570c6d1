import ArgumentParser
import BinlogCompression
import BinlogDecoder
import CDCCore
import MySQLSource

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Decode binlog files offline into change records (JSON Lines).",
        discussion: """
            Files are read in the order given. Records go to stdout (or --output); the record format is \
            described in docs/record-format.md. On a damaged file every complete record before the damage is \
            written, then one error line names the file and the byte offset, and the exit status is 1.
            """
    )

    @OptionGroup var configFile: ConfigFileOption

    @Argument(help: "Binlog files, in order.")
    var files: [String]

    @Option(
        help: "Start at this byte offset of the first file (an event boundary, as mariadb-binlog --start-position).")
    var startPosition: UInt64?

    @Option(help: "Stop before the first event at or after this byte offset of the last file.")
    var stopPosition: UInt64?

    @Option(
        name: .customLong("exclude-gtids"),
        help: ArgumentHelp(
            "Leave out the transactions of these MySQL GTIDs (as mysqlbinlog --exclude-gtids), e.g. a replica's gtid_executed.",
            valueName: "gtid-set"))
    var excludeGTIDs: String?

    @OptionGroup var selection: SelectionOptions

    @Option(help: "Write records to this file instead of stdout.")
    var output: String?

    @Flag(help: "Print a summary (events, rows by table and operation, bytes, seconds) to stderr.")
    var stats = false

    @Flag(help: "Print one JSON object per event (header and content) instead of row records.")
    var events = false

    @Flag(help: .hidden)
    var decodeOnly = false

    @Option(
        help: ArgumentHelp(
            "Where column names and exact types come from when the binlog does not carry them: 'binlog' (the DDL in the files read, via the schema registry) or a server, mysql://USER@HOST[:PORT] (information_schema, then the DDL in the files; password from MYSQL_PWD or --password-file).",
            valueName: "binlog|url"))
    var schemaFrom: String?

    @Option(help: "Use the schema history saved in this state directory (by `run --state`), then the DDL in the files.")
    var state: String?

    @Option(help: "With --schema-from URL: read the server's password from this file (else MYSQL_PWD).")
    var passwordFile: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one binlog file") }
        if let startPosition, startPosition < 4 {
            throw ValidationError("--start-position must be 4 or more (the first event starts at 4)")
        }
        if let startPosition, let stopPosition, files.count == 1, stopPosition <= startPosition {
            throw ValidationError("--stop-position must be after --start-position")
        }
        if let schemaFrom, schemaFrom != "binlog", !schemaFrom.hasPrefix("mysql://"),
            !schemaFrom.hasPrefix("mariadb://")
        {
            throw ValidationError("--schema-from takes 'binlog' or a server URL (mysql://USER@HOST:PORT)")
        }
    }

    func run() throws {
        var options = BinlogParser.Options()
        options.startPosition = startPosition
        if let excludeGTIDs {
            do throws(DecodeError) {
                options.excludeGTIDs = try GTIDSet(parsing: excludeGTIDs)
            } catch {
                throw ValidationError("--exclude-gtids: \(error.message)")
            }
        }
        options.stopPosition = stopPosition
        options.filter = selection.tableFilter
        options.columnFilter = selection.columnFilter
        options.eventsMode = events
        options.decodeOnly = decodeOnly
        let writer: OutputWriter
        do {
            writer =
                try output.map { path throws(CDCError) in try OutputWriter.file(path) } ?? OutputWriter.standardOutput()
        } catch {
            throw ErrorReporter.exit(for: error)
        }
        let parser = BinlogParser(
            options: options, output: writer, decompressor: SystemDecompressor(),
            crc32: SystemDecompressor.crc32)
        var failure: CDCError?
        do {
            parser.schemaHooks = try schemaHooks()
            try parser.run(paths: files)
            if output != nil { try writer.sync() }
        } catch {
            failure = error
        }
        if stats {
            Logger.info(parser.statistics.summary())
        }
        if let failure { throw ErrorReporter.exit(for: failure) }
    }

    /// The schema registry the parser consults: none, the binlog's DDL, a server's information_schema, or saved
    /// history.
    func schemaHooks() throws(CDCError) -> RegistryHooks? {
        let warn: (String) -> Void = { Logger.warn($0) }
        // MariaDB or MySQL is only known from the format description; the registry's type mapping needs it
        // for JSON (a BLOB on MariaDB): guess from the first file and let table-map checks catch the rest.
        let mariadb = Self.looksLikeMariaDB(files.first)
        var registry = SchemaRegistry(mariadb: mariadb)
        if let state {
            let keeper = try StateKeeper(directory: state, filter: TableFilter(), readOnly: true)
            guard let saved = try keeper.loadRegistry(mariadb: mariadb) else {
                throw CDCError(.state, "\(state): the state holds no schema history yet (it is saved by run --state)")
            }
            registry = saved
        }
        var loader: (any SchemaLoader)?
        if let schemaFrom, schemaFrom != "binlog" {
            let url: SourceURL
            var options = ConnectionOptions()
            do throws(MySQLSourceError) {
                url = try SourceURL(parsing: schemaFrom)
                options.password = try ConnectionOptions.resolvePassword(
                    url: url, passwordFile: passwordFile, environment: SourceConnectionOptions.environment())
                CommandLineSecrets.warn(
                    CommandLineSecrets.urlPasswordWarning(
                        url.password, url: schemaFrom, what: "--schema-from", instead: "MYSQL_PWD or --password-file"))
            } catch {
                throw CDCError(.usage, "--schema-from: \(error.description)")
            }
            loader = try InformationSchemaLoader(url: url, options: options)
        }
        guard schemaFrom != nil || state != nil else { return nil }
        let hooks = RegistryHooks(registry: registry, loader: loader, warn: warn)
        if loader != nil {
            // The server's information_schema is its schema now: DDL in the files after a table's rows means it
            // does not describe them (DDLLookahead).
            hooks.lookahead = try DDLLookahead.scan(
                BinlogFilesSource(paths: files), decompressor: SystemDecompressor(), crc32: SystemDecompressor.crc32)
        }
        return hooks
    }

    /// Whether a binlog file was written by MariaDB: its format description names the server version.
    static func looksLikeMariaDB(_ path: String?) -> Bool {
        guard let path, let reader = try? BinlogFileReader(path: path), let first = try? reader.next() else {
            return false
        }
        return String(decoding: first.bytes.prefix(80), as: UTF8.self).contains("MariaDB")
    }
}
