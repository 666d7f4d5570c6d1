/// Why an ALTER TABLE could not be applied to the schema the registry holds.
public struct AlterFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
