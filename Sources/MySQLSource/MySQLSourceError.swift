/// The one error type of the live source: what failed, against which server, and what to do.
public struct MySQLSourceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
