/// A JSON attribute of an Avro schema or field beyond the ones the specification parses (`logicalType`,
/// `precision`, custom properties).
public struct AvroProperty: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
    }

    public var key: String
    public var value: Value

    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }
}
