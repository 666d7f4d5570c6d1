/// One field of an Avro record.
public struct AvroField: Sendable, Equatable {
    public var name: String
    public var type: AvroType
    /// `"default": null`, for nullable unions (the only default binlog-sink writes).
    public var defaultNull: Bool
    public var properties: [AvroProperty]

    public init(name: String, type: AvroType, defaultNull: Bool = false, properties: [AvroProperty] = []) {
        self.name = name
        self.type = type
        self.defaultNull = defaultNull
        self.properties = properties
    }
}
