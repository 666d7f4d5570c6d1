import ArgumentParser
import CDCCore
import MySQLSource
import StateStore

/// `binlog-sink status --state DIR [--source URL]`: what a state directory holds and, with a source, how far
/// behind the server it is. Read-only and lock-free (like `schema show --state`): it works while a run is going.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a state directory's saved position, its age, schema history, snapshot progress and lag.",
        discussion: """
            Reads the state without taking its lock. With --source (password from MYSQL_PWD or --password-file) it \
            also asks the server for its binlogs: the lag in bytes and files, whether the binlog the saved position \
            needs still exists, and the retention runway (docs/operations.md). Exit status 0; 2 when the state \
            cannot be read or the server cannot be reached; 4 when the binlog the position needs is gone.
            """
    )

    @Option(help: "The state directory (holds state.sqlite).")
    var state: String

    @Option(help: "The server to compare with: mysql://USER@HOST[:PORT] or mariadb://USER@HOST[:PORT].")
    var source: String?

    @Option(help: "Read the password from this file (else MYSQL_PWD).")
    var passwordFile: String?

    @Option(help: "TLS: disabled, preferred, required, verify-ca or verify-identity.")
    var tls: String = "preferred"

    @Option(help: "CA certificate file (PEM) for --tls verify-ca / verify-identity.")
    var tlsCa: String?

    @Option(help: "Client certificate file (PEM).")
    var tlsCert: String?

    @Option(help: "Client private key file (PEM).")
    var tlsKey: String?

    @OptionGroup var log: LogOptions

    func run() throws {
        log.apply()
        let store: StateStore
        let saved: SavedPosition?
        var lines: [String] = []
        do {
            store = try StateStore.open(directory: state, mode: .readOnly)
            saved = try store.loadPosition()
            lines.append("state:       \(store.databasePath)")
            if let saved {
                lines.append("position:    \(PositionCommand.summary(saved))")
                let ageSeconds = Double(Int64(Metrics.now() * 1000) - saved.updatedAtMilliseconds) / 1000
                lines.append(
                    "saved:       \(PositionCommand.iso8601(milliseconds: saved.updatedAtMilliseconds)) "
                        + "(\(Self.age(ageSeconds)) ago)")
                if let id = saved.serverID { lines.append("server id:   \(id)") }
            } else {
                lines.append("position:    (none saved yet)")
            }
            let history = try store.schemaHistory()
            let tables = Set(history.filter { !$0.table.isEmpty }.map { "\($0.database).\($0.table)" })
            let versions = history.filter { !$0.table.isEmpty }.count
            lines.append("schema:      \(versions) version(s) of \(tables.count) table(s)")
            lines += Self.snapshotLines(store)
        } catch {
            throw PositionCommand.exit(for: error)
        }
        if let source {
            lines += try sourceLines(source, saved: saved)
        }
        print(lines.joined(separator: "\n"))
        if lines.contains(where: { $0.hasPrefix("needed:") && $0.contains("MISSING") }) { throw ExitCode(4) }
    }

    /// Snapshot progress, when the state has the table (older states do not: nothing is shown then).
    static func snapshotLines(_ store: StateStore) -> [String] {
        guard let progress = try? store.snapshotProgress(), !progress.isEmpty else {
            return ["snapshot:    (none recorded)"]
        }
        let finished = progress.filter(\.finished).count
        var lines = ["snapshot:    \(finished) of \(progress.count) table(s) finished"]
        for table in progress {
            lines.append(
                "  \(table.database).\(table.table): \(table.rows) rows\(table.finished ? ", finished" : ", in progress")"
            )
        }
        return lines
    }

    func sourceLines(_ source: String, saved: SavedPosition?) throws -> [String] {
        var arguments = ["--source", source, "--tls", tls]
        if let passwordFile { arguments += ["--password-file", passwordFile] }
        for (option, value) in [("--tls-ca", tlsCa), ("--tls-cert", tlsCert), ("--tls-key", tlsKey)] {
            if let value { arguments += [option, value] }
        }
        let connectionOptions = try SourceConnectionOptions.parse(arguments)
        do throws(CDCError) {
            let (url, options) = try connectionOptions.resolve()
            let connection: MySQLConnection
            let logs: [(String, UInt64)]
            let retention: Double?
            do throws(MySQLSourceError) {
                connection = try MySQLConnection(url: url, options: options)
                (logs, retention) = try SourcePoller.poll(connection)
            } catch {
                throw CDCError(.io, error.description)
            }
            var lines = [
                "source:      \(url.endpoint) (binlogs \(logs.first?.0 ?? "none") … \(logs.last?.0 ?? "none"))"
            ]
            let retentionText = retention.map { "\(Self.age($0))" } ?? "none (binlogs are not purged by age)"
            lines.append("retention:   \(retentionText)")
            guard let needed = saved?.earliestNeeded else {
                lines.append("lag:         (no saved binlog position to compare)")
                return lines
            }
            guard let index = logs.firstIndex(where: { $0.0 == needed.file }) else {
                lines.append(
                    "needed:      \(needed.file) is MISSING on the server (purged): a resume cannot continue without "
                        + "a gap; re-snapshot or start a new --state")
                return lines
            }
            lines.append("needed:      \(needed.file) present (the oldest binlog on the server is \(logs[0].0))")
            if let last = logs.last, let saved, let binlog = saved.binlog {
                let bytes = RunOperations.distance(from: (binlog.file, binlog.offset), to: last, logs: logs) ?? 0
                let files = logs.count - 1 - (logs.firstIndex(where: { $0.0 == binlog.file }) ?? index)
                lines.append("lag:         \(bytes) bytes, \(files) file(s) behind \(last.0):\(last.1)")
            }
            return lines
        } catch {
            throw ErrorReporter.exit(for: error)
        }
    }

    static func age(_ seconds: Double) -> String {
        let total = Int(max(0, seconds))
        if total < 120 { return "\(total) s" }
        if total < 7200 { return "\(total / 60) min" }
        if total < 172_800 { return "\(total / 3600) h" }
        return "\(total / 86400) days"
    }
}
