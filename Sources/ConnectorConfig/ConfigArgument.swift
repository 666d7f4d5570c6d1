/// One key of a connector file turned into the command-line argument it stands for.
public struct ConfigArgument: Sendable, Hashable {
    /// The dotted key (`source.server_id`).
    public var key: String
    public var flag: ConfigFlag
    /// The values after `${VAR}` expansion: one for a single option, any number for a repeating one, `true` or
    /// `false` for a flag.
    public var values: [String]
    /// Where the key is.
    public var location: ConfigLocation

    public init(key: String, flag: ConfigFlag, values: [String], location: ConfigLocation) {
        self.key = key
        self.flag = flag
        self.values = values
        self.location = location
    }

    /// The arguments as ArgumentParser reads them. Options use `--name=value`, so a value that starts with a dash
    /// is never taken for an option; a `false` flag gives its inversion (`--no-NAME`) when it has one, else nothing.
    public var commandLine: [String] {
        switch flag.kind {
        case .option: return values.map { "--\(flag.name)=\($0)" }
        case .flag:
            if values == ["true"] { return ["--\(flag.name)"] }
            return flag.inversion.map { ["--\($0)"] } ?? []
        case .positional: return values
        }
    }
}
