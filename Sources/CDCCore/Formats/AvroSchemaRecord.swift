/// One registered schema version, as the catalog persists and serves it: Confluent's (subject, version) → id.
public struct AvroSchemaRecord: Sendable, Equatable, Codable {
    /// The schema id written in every message's Confluent header; one id per distinct schema text, shared by every
    /// subject that registered it.
    public var id: Int32
    /// `<topic>-key` or `<topic>-value` (Confluent's TopicNameStrategy).
    public var subject: String
    /// 1, 2, … per subject, a new one each time the subject's schema changes.
    public var version: Int
    /// CRC-64-AVRO of the Parsing Canonical Form (`AvroType.fingerprint`), for consumers that key by it.
    public var fingerprint: UInt64
    /// The full schema JSON (`AvroType.json`: logical types and properties kept).
    public var schema: String

    public init(id: Int32, subject: String, version: Int, fingerprint: UInt64, schema: String) {
        self.id = id
        self.subject = subject
        self.version = version
        self.fingerprint = fingerprint
        self.schema = schema
    }
}
