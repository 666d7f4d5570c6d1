/// A place in a connector file: 1-based line and column (columns count Unicode scalars, as libyaml does).
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}
