/// An Avro record type: a name in a namespace and ordered fields.
public struct AvroRecord: Sendable, Equatable {
    public var name: String
    public var namespace: String?
    public var doc: String?
    public var fields: [AvroField]

    public init(name: String, namespace: String?, doc: String? = nil, fields: [AvroField]) {
        self.name = name
        self.namespace = namespace
        self.doc = doc
        self.fields = fields
    }

    /// `namespace.name`, or the name alone without a namespace.
    public var fullName: String { namespace.map { "\($0).\(name)" } ?? name }
}
