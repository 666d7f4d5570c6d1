/// Why a connector file cannot be used: every problem found, in file order (the loader does not stop at the first).
public struct ConfigFileError: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(_ problems: [ConfigProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
