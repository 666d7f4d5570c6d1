import BinlogDecoder

/// How one column's values are written in Avro: the Avro type `AvroSchema.type(of:)` chose for it, plus what the
/// conversion needs (character set, BINARY padding, ENUM/SET labels as UTF-8). Worked out once per table version.
public struct AvroColumnPlan: Sendable {
    public enum Target: Sendable, Equatable {
        /// `int` or `long` (the same varint on the wire).
        case long
        /// `bytes` with logical type `decimal` of this scale (DECIMAL, BIGINT UNSIGNED).
        case decimal(scale: Int)
        case float
        case double
        /// `int` with logical type `date`.
        case date
        /// `long` microseconds: `local-timestamp-micros` (DATETIME) or `timestamp-micros` (TIMESTAMP).
        case timestampMicros
        /// `long` signed microseconds (TIME).
        case timeMicros
        case bytes
        case string
        /// `array` of `float` (VECTOR).
        case floatArray
    }

    /// The column's name as records name it (for error messages).
    public var name: String
    /// Written as the union `["null", T]`.
    public var nullable: Bool
    public var target: Target
    /// The character set of a text column (nil: the bytes are binary).
    public var charset: Charset?
    /// BINARY(n)'s length: the server pads with 0x00.
    public var padTo: Int
    /// ENUM/SET member labels as UTF-8, when the table map carries them.
    public var labels: [[UInt8]]?
    /// `--exclude-column` / `--mask-column` (`ColumnFilter`): an excluded column has no field; a masked one is a
    /// `string` field holding the SHA-256 hex digest of the value as the native JSON format renders it.
    public var action: ColumnFilter.Action = .keep

    init(column: TableColumn, schema: ColumnSchema, avroType: AvroType, info: ColumnRenderInfo, nullable: Bool) {
        name = schema.name
        self.nullable = nullable
        switch info.textKind {
        case .text(let charset):
            self.charset = charset
            padTo = 0
        case .binary(let pad):
            charset = nil
            padTo = pad
        }
        target = Self.target(of: avroType)
        if let raw = column.labels {
            let labelCharset = column.collation.flatMap { Charset.forCollation($0) } ?? .utf8mb4
            labels = raw.map { label in label.withUnsafeBytes { UTF8Text.convert($0, charset: labelCharset) } }
        }
    }

    /// The wire shape of a non-null value of `type` (as `AvroSchema.type(of:)` builds them).
    static func target(of type: AvroType) -> Target {
        switch type {
        case .int, .long: return .long
        case .float: return .float
        case .double: return .double
        case .bytes: return .bytes
        case .array: return .floatArray
        case .annotated(let base, let properties):
            let logical = properties.first { $0.key == "logicalType" }?.value
            switch logical {
            case .string("decimal"):
                let scale = properties.first { $0.key == "scale" }?.value
                if case .int(let value) = scale { return .decimal(scale: value) }
                return .decimal(scale: 0)
            case .string("date"): return .date
            case .string("local-timestamp-micros"), .string("timestamp-micros"): return .timestampMicros
            default:
                if properties.contains(where: { $0.key == "binlog_sink.logical" }) { return .timeMicros }
                return target(of: base)
            }
        default: return .string
        }
    }
}
