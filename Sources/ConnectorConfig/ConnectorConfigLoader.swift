import Yams

/// Reads a connector file: a pure function from the file's bytes (plus the command's flags and the environment) to the
/// command-line arguments the file stands for, or every problem found, each with its line and column. No I/O, so it
/// can be fuzzed and tested without a file system.
public enum ConnectorConfigLoader {
    /// Connector files are a page or two: a bigger input is refused before libyaml sees it.
    public static let maximumBytes = 1 << 20
    /// Nodes visited at most: aliases can make a small file a huge tree (`&a [*b, *b]` …).
    static let maximumNodes = 100_000
    /// Flow collections nested deeper than this are refused before parsing (the composer recurses).
    static let maximumNesting = 64
    /// Block collections nested deeper than this are refused before parsing: Yams' composer recurses once per level
    /// and `- - - … x` nests a level every two bytes (200,000 levels overflowed the stack).
    static let maximumBlockNesting = 256

    /// With `ignoringUnknownKeys`, keys the command has no flag for are skipped instead of reported: for commands
    /// that use part of a connector (`check` reads its source).
    public static func load(
        _ bytes: [UInt8], flags: [ConfigFlag], environment: [String: String], ignoringUnknownKeys: Bool = false
    ) -> Result<ConnectorConfig, ConfigFileError> {
        guard bytes.count <= maximumBytes else {
            return .failure(
                ConfigFileError([
                    ConfigProblem(
                        location: nil, key: nil,
                        message: "the file has \(bytes.count) bytes: a connector file may have at most \(maximumBytes)")
                ]))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(
                ConfigFileError([
                    ConfigProblem(
                        location: firstInvalidUTF8(bytes), key: nil, message: "the file is not valid UTF-8")
                ]))
        }
        if let problem = nestingProblem(text) ?? blockNestingProblem(text) {
            return .failure(ConfigFileError([problem]))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return .failure(ConfigFileError([problem(from: error)]))
        } catch {
            return .failure(
                ConfigFileError([ConfigProblem(location: nil, key: nil, message: "YAML: \(error)")]))
        }
        var walker = ConfigWalker(flags: flags, environment: environment, lenient: ignoringUnknownKeys)
        if let root { walker.walkRoot(root) }
        walker.applySinkQueries()
        if !walker.problems.isEmpty { return .failure(ConfigFileError(walker.problems)) }
        return .success(ConnectorConfig(arguments: walker.arguments, literalSecrets: walker.secrets))
    }

    static func problem(from error: YamlError) -> ConfigProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at \(context.mark.line):\(context.mark.column))" }
            return ConfigProblem(
                location: ConfigLocation(line: mark.line, column: mark.column), key: nil, message: message)
        case .reader(let problem, _, _, _):
            return ConfigProblem(location: nil, key: nil, message: "YAML: \(problem)")
        default:
            return ConfigProblem(location: nil, key: nil, message: "YAML: \(error)")
        }
    }

    /// Where the first byte that is not UTF-8 is (checked by decoding up to each line).
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> ConfigLocation? {
        var line = 1
        var lineStart = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                guard String(validating: bytes[lineStart..<index], as: UTF8.self) != nil else { break }
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        return ConfigLocation(line: line, column: 1)
    }

    /// Flow collections (`[[[…`) nested too deep: found by counting every bracket, in quotes and comments too, an
    /// over-estimate that only matters for inputs no connector file looks like.
    static func nestingProblem(_ text: String) -> ConfigProblem? {
        var depth = 0
        var line = 1
        var column = 0
        for scalar in text.unicodeScalars {
            column += 1
            switch scalar {
            case "\n":
                line += 1
                column = 0
            case "[", "{":
                depth += 1
                if depth > maximumNesting {
                    return ConfigProblem(
                        location: ConfigLocation(line: line, column: column), key: nil,
                        message: "brackets nested more than \(maximumNesting) deep")
                }
            case "]", "}": depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }

    /// Block collections nested too deep: a line's nesting is at most its indentation plus the indicators on it that
    /// open a level (`- `, `? `, `: `), counted in quotes and comments too — an over-estimate that only matters for
    /// inputs no connector file looks like.
    static func blockNestingProblem(_ text: String) -> ConfigProblem? {
        var line = 1
        var depth = 0
        var indenting = true
        var previous: UInt8 = 0x0A
        for byte in text.utf8 {
            switch byte {
            case 0x0A:
                line += 1
                depth = 0
                indenting = true
            case 0x20 where indenting:
                depth += 1
            case 0x20
            where previous == UInt8(ascii: "-") || previous == UInt8(ascii: "?") || previous == UInt8(ascii: ":"):
                depth += 1
            default:
                indenting = false
            }
            previous = byte
            if depth > maximumBlockNesting {
                return ConfigProblem(
                    location: ConfigLocation(line: line, column: 1), key: nil,
                    message:
                        "lines nested more than \(maximumBlockNesting) deep (indentation plus '- ', '? ' and ': ')")
            }
        }
        return nil
    }
}
