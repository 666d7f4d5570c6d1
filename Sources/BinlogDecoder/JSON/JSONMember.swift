/// One member of a JSON object: a key and its value. A struct rather than a tuple so that `JSONValue` can be
/// `Equatable`; objects keep their members in an array to preserve MySQL's stored order.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}
