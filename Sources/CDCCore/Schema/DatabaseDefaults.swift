/// A database's default character set and collation, inherited by tables created without their own.
public struct DatabaseDefaults: Sendable, Equatable, Codable {
    public var charset: String?
    public var collation: String?

    public init(charset: String?, collation: String?) {
        self.charset = charset
        self.collation = collation
    }
}
