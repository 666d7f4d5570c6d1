/// One command-line argument of the command a connector file is for, as the loader needs to know it: the executable
/// reads these from ArgumentParser's own description of the command, so flags added later need no change here.
public struct ConfigFlag: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `--name VALUE`.
        case option
        /// `--name` (a Boolean: present or absent).
        case flag
        /// A value without a name (parse's binlog files).
        case positional
    }

    /// The long name without the dashes (`server-id`), or the positional argument's name (`files`).
    public var name: String
    public var kind: Kind
    /// The argument may be given several times (an array option, or several positional values).
    public var isRepeating: Bool
    /// A flag's negative form (`no-color` for `--color/--no-color`): what `false` in the file gives, so a flag that
    /// defaults to true can be turned off.
    public var inversion: String?

    public init(name: String, kind: Kind, isRepeating: Bool = false, inversion: String? = nil) {
        self.name = name
        self.kind = kind
        self.isRepeating = isRepeating
        self.inversion = inversion
    }
}
