import ArgumentParser
import CDCCore
import MySQLSource

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that a server and user meet what `run` needs (one line per requirement).",
        discussion: """
            Prints ok, warn or fail for each requirement, with the SQL to fix each failure. Exit status 0 when \
            nothing fails, 1 otherwise (64 for bad usage).
            """
    )

    @OptionGroup var connection: SourceConnectionOptions

    @Option(help: "The server id `run` will use, to check that no replica has it.")
    var serverId: UInt32?

    @Option(
        name: .customLong("include"),
        help: "The tables `run` will capture (db.table glob, repeatable): SELECT is checked on exactly those.")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Tables `run` will skip (db.table glob, repeatable).")
    var excludes: [String] = []

    func run() throws {
        let url: SourceURL
        let options: ConnectionOptions
        do {
            (url, options) = try connection.resolve()
        } catch {
            throw ErrorReporter.exit(for: error)
        }
        let items = Preflight.run(
            url: url, options: options, serverID: serverId,
            tables: TableFilter(includes: includes, excludes: excludes))
        var out = ""
        for item in items {
            let status = item.status.rawValue.padding(4)
            out += "\(status) \(item.name): \(item.detail)\n"
            if item.status != .ok && !item.fix.isEmpty { out += "     fix: \(item.fix)\n" }
        }
        let failures = items.filter { $0.status == .fail }.count
        let warnings = items.filter { $0.status == .warn }.count
        out += failures == 0 ? "ready (\(warnings) warning(s))\n" : "not ready: \(failures) failure(s)\n"
        let writer = OutputWriter.standardOutput()
        writer.buffer.append(contentsOf: Array(out.utf8))
        do { try writer.flush() } catch { throw ErrorReporter.exit(for: error) }
        if failures > 0 { throw ExitCode(1) }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
