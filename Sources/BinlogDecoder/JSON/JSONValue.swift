/// A JSON document as a tree, as `MySQLJSON.parse` builds it and `JSONDiff.apply` edits it.
///
/// Numbers keep MySQL's distinction between signed, unsigned and double values, and object members keep their
/// order, so `render` prints the same text `MySQLJSON.render` prints for the binary document. Opaque values (MySQL
/// DECIMAL, DATE, TIME, DATETIME, TIMESTAMP and other field types stored inside JSON) keep their raw bytes and are
/// rendered on output (see `JSONOpaqueText`).
///
/// Rendering, comparing and freeing a value recurse once per nesting level; values from `MySQLJSON.parse` and
/// `JSONDiff.apply` are at most `MySQLJSON.maximumDepth` levels deep.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Members in stored order.
    case object([JSONMember])
    /// A MySQL field type code and the value's bytes in MySQL's JSON opaque encoding.
    case opaque(type: UInt8, bytes: [UInt8])

    /// Appends the value in the text form `MySQLJSON.render` uses.
    ///
    /// Opaque values that `MySQLJSON.parse` produced always render as MySQL does; one built by hand with a DECIMAL
    /// or temporal type but bytes MySQL could not have written is printed in the `"base64:typeNN:…"` form instead.
    public func render(into out: inout [UInt8]) {
        switch self {
        case .null:
            JSONTextWriter.write("null", into: &out)
        case .bool(let value):
            value ? JSONTextWriter.write("true", into: &out) : JSONTextWriter.write("false", into: &out)
        case .int(let value):
            JSONTextWriter.writeInt(value, into: &out)
        case .uint(let value):
            JSONTextWriter.writeUInt(value, into: &out)
        case .double(let value):
            JSONTextWriter.writeDouble(value, into: &out)
        case .string(let value):
            var text = value
            text.withUTF8 { JSONTextWriter.writeQuotedString($0, into: &out) }
        case .array(let items):
            out.append(0x5B)
            for (index, item) in items.enumerated() {
                if index > 0 { JSONTextWriter.write(", ", into: &out) }
                item.render(into: &out)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (index, member) in members.enumerated() {
                if index > 0 { JSONTextWriter.write(", ", into: &out) }
                var key = member.key
                key.withUTF8 { JSONTextWriter.writeQuotedString($0, into: &out) }
                JSONTextWriter.write(": ", into: &out)
                member.value.render(into: &out)
            }
            out.append(0x7D)
        case .opaque(let type, let bytes):
            do {
                try JSONOpaqueText.write(type: type, data: bytes[...], into: &out)
            } catch {
                JSONOpaqueText.writeBase64Form(type: type, data: bytes[...], into: &out)
            }
        }
    }

    /// Levels of nested arrays and objects: 0 for a scalar, 1 for `[]` or `[1]`, 2 for `[[1]]`.
    var nestingDepth: Int {
        switch self {
        case .array(let items):
            return 1 + (items.map(\.nestingDepth).max() ?? 0)
        case .object(let members):
            return 1 + (members.map(\.value.nestingDepth).max() ?? 0)
        default:
            return 0
        }
    }
}
