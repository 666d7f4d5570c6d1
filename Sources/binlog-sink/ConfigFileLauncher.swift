import ArgumentParser
import CDCCore
import Foundation

/// `binlog-sink COMMAND --config FILE …`: the file's arguments are put before the command line's and the whole is
/// parsed by ArgumentParser as usual, so every flag of every command has a key without a list kept by hand, and the
/// command line overrides the file (a flag given on the command line drops the file's value for it; for a repeatable
/// option the command line's list replaces the file's). Errors in arguments from the file name its line.
enum ConfigFileLauncher {
    static func main(_ arguments: [String]) {
        guard let request = request(arguments) else {
            BinlogSinkCommand.main(arguments)
            return
        }
        var file: ConnectorFile
        do {
            file = try ConnectorFile(
                path: request.path, command: request.command, environment: ProcessInfo.processInfo.environment)
            try file.expandPatterns()
        } catch {
            exit(report(error))
        }
        for warning in file.secretWarnings() { ErrorReporter.printStderr("binlog-sink: warning: \(warning)") }
        let full = file.fullCommandLine(request.rest)
        do {
            _ = try BinlogSinkCommand.parseAsRoot(full)
        } catch {
            // Help and version requests are "errors" too: ArgumentParser's main prints those.
            if BinlogSinkCommand.exitCode(for: error) == .validationFailure {
                ErrorReporter.printError(
                    file.explain(BinlogSinkCommand.message(for: error), commandLine: request.rest))
                ErrorReporter.printStderr(
                    "See 'binlog-sink \(file.commandName) --help' and docs/configuration.md for the keys.")
                exit(ExitCode.validationFailure)
            }
        }
        BinlogSinkCommand.main(full)
    }

    /// The subcommand, the `--config` path and the rest of the command line, when a `--config` is given (not to
    /// `validate`, which takes its own).
    static func request(_ arguments: [String]) -> (command: ParsableCommand.Type, path: String, rest: [String])? {
        guard let name = arguments.first, !name.hasPrefix("-"), name != ValidateCommand._commandName,
            let command = BinlogSinkCommand.configuration.subcommands.first(where: { $0._commandName == name }),
            command.configuration.subcommands.isEmpty
        else { return nil }
        var rest: [String] = []
        var path: String?
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                rest += arguments[(index - 1)...]
                break
            }
            if argument == "--config" || argument.hasPrefix("--config=") {
                guard path == nil else {
                    ErrorReporter.printError("--config is given twice: one connector file per run")
                    exit(ExitCode.validationFailure)
                }
                if argument == "--config" {
                    guard index < arguments.count else {
                        ErrorReporter.printError("--config needs a file: --config connector.yaml")
                        exit(ExitCode.validationFailure)
                    }
                    path = arguments[index]
                    index += 1
                } else {
                    path = String(argument.dropFirst("--config=".count))
                }
                continue
            }
            rest.append(argument)
        }
        guard let path else { return nil }
        return (command, path, rest)
    }

    /// Prints each line of the error and returns its exit status.
    static func report(_ error: CDCError) -> ExitCode {
        let lines = error.description.split(separator: "\n").map(String.init)
        let code = ErrorReporter.exit(for: CDCError(error.code, lines.first ?? ""))
        for line in lines.dropFirst() { ErrorReporter.printError(line) }
        return code
    }

    static func exit(_ code: ExitCode) -> Never {
        BinlogSinkCommand.exit(withError: code)
    }
}
