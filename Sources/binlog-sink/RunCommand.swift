import ArgumentParser
import BinlogCompression
import CDCCore
import MySQLSource

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Follow a running MySQL/MariaDB server's binlog as a replica and write change records.",
        discussion: """
            Records (docs/record-format.md) go to stdout. The password comes from MYSQL_PWD or --password-file \
            (a password in the --source URL works but shows in ps: avoid it). The stream registers with \
            --server-id (default 1000000000 + the process id: give a fixed id unique among the server's replicas \
            for long-running use). A lost connection is re-established with backoff and the stream resumes with \
            no gap and no duplicate. --until now stops at the server's end position as of the start and exits 0.
            """
    )

    @OptionGroup var connection: SourceConnectionOptions

    @Option(help: "Where the records go (only stdout today).")
    var sink: String = "stdout"

    @Option(help: "Where to start: earliest, latest, FILE:POS or gtid:SET (MariaDB GTID position).")
    var start: String = "latest"

    @Option(help: "Where to stop: never, now (the server's end position at start) or FILE:POS.")
    var until: String = "never"

    @Option(help: "The replica server id to register with (default 1000000000 + the process id).")
    var serverId: UInt32?

    @Option(help: "Seconds between heartbeats from an idle server (0 disables).")
    var heartbeat: Double = 5

    @Option(help: "Seconds to keep reconnecting after a lost connection before giving up.")
    var reconnectTimeout: Double = 600

    @Option(name: .customLong("include"), help: "Only tables matching this db.table glob (repeatable).")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Skip tables matching this db.table glob (repeatable).")
    var excludes: [String] = []

    @Flag(help: "Print a summary to stderr at the end.")
    var stats = false

    func validate() throws {
        if sink != "stdout" { throw ValidationError("--sink \(sink): only stdout is supported") }
        for pattern in includes + excludes where !pattern.contains(".") {
            throw ValidationError("table glob '\(pattern)' must have the form db.table (e.g. shop.* or *.orders)")
        }
        if serverId == 0 { throw ValidationError("--server-id must not be 0 (the server refuses replicas with id 0)") }
        if heartbeat < 0 || heartbeat > 4_294_967 { throw ValidationError("--heartbeat must be 0 to 4294967 seconds") }
    }

    func run() throws {
        var failure: CDCError?
        var parserStats: ParseStatistics?
        do throws(CDCError) {
            let (url, connectionOptions) = try connection.resolve()
            var options = ReplicationOptions()
            do throws(MySQLSourceError) {
                options.start = try StartPosition(parsing: start)
                options.until = try UntilPosition(parsing: until)
            } catch {
                throw CDCError(.usage, error.description)
            }
            if let serverId { options.serverID = serverId }
            options.heartbeatSeconds = heartbeat
            options.reconnectGiveUpSeconds = reconnectTimeout
            let stream = try ReplicationStream(url: url, connection: connectionOptions, options: options)
            stream.log = { ErrorReporter.printStderr("binlog-sink: \($0)") }
            var parserOptions = BinlogParser.Options()
            parserOptions.filter = TableFilter(includes: includes, excludes: excludes)
            let writer = OutputWriter.standardOutput()
            // Before the stream waits for the server, the parser delivers every record it holds
            // (BinlogEventSource.nextEvent(beforeWaiting:)): records reach stdout as they are committed.
            let parser = BinlogParser(
                options: parserOptions, output: writer, decompressor: SystemDecompressor(),
                crc32: SystemDecompressor.crc32)
            // The schema registry: DDL in the stream moves tables to new versions; tables are first read from
            // information_schema (on a second connection), so names and exact types come out even when the
            // server does not write column metadata, and every table map is checked before its rows are decoded.
            let loader = try InformationSchemaLoader(url: url, options: connectionOptions)
            parser.schemaHooks = RegistryHooks(
                registry: SchemaRegistry(mariadb: loader.isMariaDB), loader: loader,
                warn: { ErrorReporter.printStderr("binlog-sink: warning: \($0)") })
            defer { parserStats = parser.statistics }
            try parser.run(source: stream)
        } catch {
            failure = error
        }
        if stats, let parserStats { ErrorReporter.printStderr(parserStats.summary()) }
        if let failure { throw ErrorReporter.exit(for: failure) }
    }
}
