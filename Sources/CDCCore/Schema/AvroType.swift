/// An Avro schema, as much of the specification as binlog-sink writes: primitives (optionally annotated with a
/// logical type and other properties), records, arrays, maps, unions and references to named types.
public indirect enum AvroType: Sendable, Equatable {
    case null, boolean, int, long, float, double, bytes, string
    /// A primitive with properties: `{"type":"bytes","logicalType":"decimal","precision":20,"scale":0}`.
    case annotated(AvroType, [AvroProperty])
    case record(AvroRecord)
    case array(AvroType)
    case map(AvroType)
    case union([AvroType])
    /// A reference to a named type defined earlier in the schema, by full name.
    case named(String)

    /// The schema as JSON text (compact, properties kept).
    public var json: String {
        var out: [UInt8] = []
        AvroJSONWriter.write(self, canonical: false, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Avro's Parsing Canonical Form: full names, only the attributes that matter for parsing, in the
    /// specification's order, no whitespace.
    public var canonicalForm: String {
        var out: [UInt8] = []
        AvroJSONWriter.write(self, canonical: true, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// CRC-64-AVRO of the Parsing Canonical Form: the specification's schema fingerprint. It ignores logical types
    /// and properties (DECIMAL(5,2) and DECIMAL(6,3) share it); compare `json` to decide whether a schema changed.
    public var fingerprint: UInt64 { AvroFingerprint.crc64(Array(canonicalForm.utf8)) }

    /// `["null", self]`.
    public var nullable: AvroType { .union([.null, self]) }

    var primitiveName: String? {
        switch self {
        case .null: return "null"
        case .boolean: return "boolean"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .double: return "double"
        case .bytes: return "bytes"
        case .string: return "string"
        default: return nil
        }
    }
}
