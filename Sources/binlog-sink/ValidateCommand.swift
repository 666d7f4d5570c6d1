import ArgumentParser
import CDCCore
import ConnectorConfig
import Foundation
import MySQLSource

/// `binlog-sink validate --config FILE`: checks a connector file without connecting to anything.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a connector file (YAML) without connecting: syntax, keys, types, values.",
        discussion: """
            Reports every problem as FILE:LINE:COLUMN: KEY: MESSAGE and exits 64, or prints what the file runs and \
            exits 0; exits 2 when the file cannot be read. ${VAR} references are expanded from the environment (an \
            unset one is an error). Literal secrets in a file that its group or others can read are warned about. \
            Without --for, the file is checked against each command that takes --config (run, parse, …) and \
            reported for the first it fits. See docs/configuration.md.
            """
    )

    @Option(help: ArgumentHelp("The connector file.", valueName: "file.yaml"))
    var config: String

    @Option(name: .customLong("for"), help: "The command the file is for (run, parse, …; default: the first it fits).")
    var command: String?

    func run() throws {
        let candidates = try candidateCommands()
        var failures: [(loaded: Bool, error: CDCError)] = []
        for candidate in candidates {
            let file: ConnectorFile
            do {
                file = try ConnectorFile(
                    path: config, command: candidate, environment: ProcessInfo.processInfo.environment)
            } catch {
                if error.code == .io { throw ConfigFileLauncher.report(error) }
                failures.append((false, error))
                continue
            }
            if let problem = Self.check(file) {
                failures.append((true, CDCError(.usage, problem)))
                continue
            }
            for warning in file.secretWarnings() { ErrorReporter.printStderr("binlog-sink: warning: \(warning)") }
            let keys = file.config.arguments.count
            print("\(config): valid for binlog-sink \(file.commandName) (\(keys) key\(keys == 1 ? "" : "s") set)")
            return
        }
        // Report the command the file came closest to: parsed keys beat unknown keys, then fewer problems.
        let best = failures.enumerated().min { a, b in
            let rankA = (a.element.loaded ? 0 : 1, a.element.error.message.split(separator: "\n").count, a.offset)
            let rankB = (b.element.loaded ? 0 : 1, b.element.error.message.split(separator: "\n").count, b.offset)
            return rankA < rankB
        }
        let distinct = Set(failures.map(\.error.message)).count
        if let best, candidates.count > 1, distinct > 1 {
            ErrorReporter.printStderr(
                "binlog-sink: \(config) fits none of: \(candidates.map { $0._commandName }.joined(separator: ", ")); "
                    + "as a connector for '\(candidates[best.offset]._commandName)' (--for to choose):")
        }
        throw ConfigFileLauncher.report(best?.element.error ?? CDCError(.usage, "no command takes --config"))
    }

    /// The commands to check the file against.
    func candidateCommands() throws -> [ParsableCommand.Type] {
        let commands = BinlogSinkCommand.configuration.subcommands.filter {
            $0._commandName != ValidateCommand._commandName
        }
        if let command {
            guard let match = commands.first(where: { $0._commandName == command }) else {
                throw ValidationError(
                    "--for \(command): not a command; use one of \(commands.map { $0._commandName }.joined(separator: ", "))"
                )
            }
            return [match]
        }
        // `run` first: most connector files are for it, and a file that fits none is reported for it.
        let takingConfig = commands.filter { command in (try? CommandFlagTable(command))?.names["config"] != nil }
        return takingConfig.filter { $0._commandName == "run" } + takingConfig.filter { $0._commandName != "run" }
    }

    /// Parses the file's arguments as the command would (its own `validate()` included) and checks the values the
    /// command only reads when it runs; the problem, with the file's line, or nil.
    static func check(_ file: ConnectorFile) -> String? {
        let parsed: ParsableCommand
        do {
            parsed = try BinlogSinkCommand.parseAsRoot(file.fullCommandLine([]))
        } catch {
            return file.explain(BinlogSinkCommand.message(for: error), commandLine: [])
        }
        guard let run = parsed as? RunCommand else { return nil }
        do throws(MySQLSourceError) {
            _ = try SourceURL(parsing: run.connection.source)
            _ = try StartPosition(parsing: run.start)
            _ = try UntilPosition(parsing: run.until)
        } catch {
            return file.explain(error.description, commandLine: [])
        }
        if TLSMode(rawValue: run.connection.tls) == nil {
            return file.explain(
                "--tls \(run.connection.tls): expected one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))",
                commandLine: [])
        }
        let sink = run.sinkOptions.sink
        if !(sink == "stdout" || sink == "-"
            || ["file:", "kafka://", "redis://", "rediss://"].contains(where: sink.hasPrefix))
        {
            return file.explain(
                "--sink: unknown sink; use stdout, file:DIR, kafka://HOST:PORT or redis://HOST:PORT", commandLine: [])
        }
        return nil
    }
}
