import ArgumentParser
import CDCCore
import ConnectorConfig
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A connector file read for one subcommand: its arguments, where each came from, and how the command line
/// overrides them.
struct ConnectorFile {
    let path: String
    let commandName: String
    let table: CommandFlagTable
    private(set) var config: ConnectorConfig

    /// Reads and loads `path` for `command`, or throws every problem as one `path:line:column: key: message` line each.
    init(path: String, command: ParsableCommand.Type, environment: [String: String]) throws(CDCError) {
        self.path = path
        commandName = command._commandName
        table = try CommandFlagTable(command)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CDCError(.io, "cannot read the connector file (\(Self.reason(path)))", file: path)
        }
        // A command that does not declare --config (check) takes the keys it has and ignores the rest.
        let partial = table.names["config"] == nil
        switch ConnectorConfigLoader.load(
            Array(data), flags: table.flags, environment: environment, ignoringUnknownKeys: partial)
        {
        case .success(let config): self.config = config
        case .failure(let error):
            let hinted = error.problems.map { Self.hintOtherCommand($0, notFor: command._commandName) }
            throw CDCError(.usage, hinted.map { "\(path):\($0)" }.joined(separator: "\n"))
        }
    }

    /// Expands shell-style patterns (`*`, `?`, `[…]`) in positional values (parse's `source.files`) to the sorted
    /// paths they match; done when the command runs, not by `validate`, which reads nothing but the file.
    mutating func expandPatterns() throws(CDCError) {
        for index in config.arguments.indices where config.arguments[index].flag.kind == .positional {
            let argument = config.arguments[index]
            var expanded: [String] = []
            for value in argument.values {
                guard value.contains(where: { "*?[".contains($0) }) else {
                    expanded.append(value)
                    continue
                }
                let matches = Self.glob(value)
                guard !matches.isEmpty else {
                    throw CDCError(
                        .io, "\(path):\(argument.location): \(argument.key): \(value) matches no file")
                }
                expanded += matches
            }
            config.arguments[index].values = expanded
        }
    }

    /// The paths matching a pattern, sorted (glob(3)).
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths
    }

    /// `path:line:column: key: message`.
    func line(_ problem: ConfigProblem) -> String { "\(path):\(problem)" }

    /// Warnings for literal secrets, when the file can be read by its group or others.
    func secretWarnings() -> [String] {
        guard !config.literalSecrets.isEmpty else { return [] }
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & 0o077 != 0 else { return [] }
        let mode = String(status.st_mode & 0o777, radix: 8)
        return config.literalSecrets.map {
            "\(line($0)) (the file is readable by others, mode \(mode): chmod 600 it, or better use ${VAR})"
        }
    }

    /// The file's arguments less those the command line gives (the command line overrides the file; a repeatable
    /// option given on the command line replaces the file's list).
    func arguments(overriddenBy commandLine: [String]) -> [ConfigArgument] {
        let given = table.given(in: commandLine)
        return config.arguments.filter { argument in
            argument.flag.kind == .positional ? !given.positional : !given.flags.contains(argument.flag.name)
        }
    }

    /// The full argument list for ArgumentParser: the subcommand, the file's arguments, the command line.
    func fullCommandLine(_ commandLine: [String]) -> [String] {
        let kept = ConnectorConfig(arguments: arguments(overriddenBy: commandLine), literalSecrets: [])
        return [commandName] + kept.commandLine + commandLine
    }

    /// ArgumentParser's message for a bad argument, with the file's line in front when the argument came from the
    /// file, and a missing argument named by its key.
    func explain(_ message: String, commandLine: [String]) -> String {
        let mentioned = Self.flagsMentioned(in: message)
        if message.hasPrefix("Missing expected argument"), let flag = mentioned.first {
            let key = ConfigKeyMap.key(forFlag: flag)
            return "\(path): \(key) is missing (or give --\(flag) on the command line): \(message)"
        }
        let kept = arguments(overriddenBy: commandLine)
        for flag in mentioned {
            if let argument = kept.first(where: { $0.flag.name == flag }) {
                return "\(path):\(argument.location): \(argument.key): \(message)"
            }
        }
        // Messages that quote the value instead of naming the flag ("table glob 'x' must …").
        if let argument = kept.first(where: { $0.values.contains { message.contains("'\($0)'") } }) {
            return "\(path):\(argument.location): \(argument.key): \(message)"
        }
        return "\(path): \(message)"
    }

    /// `--long-name`s in a message.
    static func flagsMentioned(in message: String) -> [String] {
        var result: [String] = []
        var rest = Substring(message)
        while let range = rest.range(of: "--") {
            let name = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
            if !name.isEmpty, !result.contains(String(name)) { result.append(String(name)) }
            rest = rest[range.upperBound...].dropFirst(name.count)
        }
        return result
    }

    /// An unknown key that is a key of another command says so (`source.files` given to `run` is for `parse`).
    static func hintOtherCommand(_ problem: ConfigProblem, notFor name: String) -> ConfigProblem {
        guard problem.message.hasPrefix("unknown key"), let key = problem.key,
            let flag = ConfigKeyMap.flagName(forKey: key), ConfigKeyMap.key(forFlag: flag) == key
        else { return problem }
        let others = BinlogSinkCommand.configuration.subcommands.filter { command in
            command._commandName != name
                && (try? CommandFlagTable(command))?.flags.contains(where: { $0.name == flag }) == true
        }
        guard !others.isEmpty else { return problem }
        var hinted = problem
        let names = others.map { "'\($0._commandName)'" }.joined(separator: " or ")
        hinted.message = "a key of \(names), not of '\(name)' (is this connector for \(names)?)"
        return hinted
    }

    static func reason(_ path: String) -> String {
        var status = stat()
        if stat(path, &status) != 0 { return String(cString: strerror(errno)) }
        if status.st_mode & S_IFMT == S_IFDIR { return "it is a directory" }
        return "permission denied"
    }
}
