/// A loaded connector file: the command-line arguments it stands for, in file order, and the literal secrets it holds
/// (the caller warns about those when the file is readable by others).
public struct ConnectorConfig: Sendable {
    public var arguments: [ConfigArgument]
    /// Values that look like secrets written into the file instead of taken from `${VAR}`.
    public var literalSecrets: [ConfigProblem]

    public init(arguments: [ConfigArgument], literalSecrets: [ConfigProblem]) {
        self.arguments = arguments
        self.literalSecrets = literalSecrets
    }

    /// The arguments for ArgumentParser, positional values last.
    public var commandLine: [String] {
        arguments.filter { $0.flag.kind != .positional }.flatMap(\.commandLine)
            + arguments.filter { $0.flag.kind == .positional }.flatMap(\.commandLine)
    }
}
