/// MySQL's binary JSON format (the value of a JSON column in a rows event, `sql-common/json_binary.cc`), rendered as
/// the text MySQL 8 prints for it or parsed into a `JSONValue`.
///
/// Text form, as `Json_wrapper::to_string` writes it: `{"a": 1, "b": [1, 2.5, "x"]}` — `", "` between elements,
/// `": "` after keys, members in stored order (MySQL stores them sorted by key length, then bytes), doubles as
/// MySQL's `my_gcvt` prints them plus `.0` for integral values (see `JSONTextWriter.writeDouble`), strings escaped
/// like MySQL's `double_quote`, opaque values as described in `JSONOpaqueText`.
public enum MySQLJSON {
    /// Deepest nesting of objects and arrays accepted. MySQL itself refuses documents deeper than 100
    /// (`JSON_DOCUMENT_MAX_DEPTH`); this is more generous but still keeps the recursion on a small stack.
    public static let maximumDepth = 1000

    /// Renders a MySQL binary JSON document (the bytes of a JSON column value in a rows event, without the column's
    /// length prefix) as MySQL's own text form into `out`. An empty document (0 bytes) renders as `null`, as MySQL
    /// reads it (`parse_binary`: an empty value is the JSON null literal; it appears after inserting NULL into a
    /// NOT NULL column in non-strict mode).
    ///
    /// Bytes after the top-level value are ignored, as MySQL does. On error `out` is left as it was.
    public static func render(_ bytes: ArraySlice<UInt8>, into out: inout [UInt8]) throws(DecodeError) {
        var reader = MySQLJSONReader(bytes)
        guard let root = reader.root() else {
            JSONTextWriter.write("null", into: &out)
            return
        }
        let mark = out.count
        do {
            try render(type: root.type, range: root.range, depth: 1, reader: &reader, into: &out)
        } catch {
            out.removeSubrange(mark...)
            throw error
        }
    }

    /// Parses a MySQL binary JSON document into a tree (used to apply partial updates). An empty document is `.null`.
    /// Opaque values keep their bytes; DECIMAL and temporal payloads are checked here so that rendering the tree
    /// later cannot fail.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> JSONValue {
        var reader = MySQLJSONReader(bytes)
        guard let root = reader.root() else { return .null }
        return try parse(type: root.type, range: root.range, depth: 1, reader: &reader)
    }

    // MARK: - Implementation

    /// `depth` is the nesting level a container at this position would have (1 for the top level).
    static func render(
        type: UInt8, range: Range<Int>, depth: Int, reader: inout MySQLJSONReader, into out: inout [UInt8]
    ) throws(DecodeError) {
        if MySQLJSONReader.isContainer(type) {
            let container = try reader.openContainer(type: type, range: range, depth: depth)
            out.append(container.isObject ? 0x7B : 0x5B)
            for index in 0..<container.count {
                if index > 0 { JSONTextWriter.write(", ", into: &out) }
                if container.isObject {
                    let key = try reader.key(container, index)
                    JSONTextWriter.writeQuotedString(reader.bytes[key], into: &out)
                    JSONTextWriter.write(": ", into: &out)
                }
                let element = try reader.element(container, index)
                try render(type: element.type, range: element.range, depth: depth + 1, reader: &reader, into: &out)
            }
            out.append(container.isObject ? 0x7D : 0x5D)
            return
        }
        switch try reader.scalar(type: type, range: range) {
        case .null: JSONTextWriter.write("null", into: &out)
        case .bool(let value):
            value ? JSONTextWriter.write("true", into: &out) : JSONTextWriter.write("false", into: &out)
        case .int(let value): JSONTextWriter.writeInt(value, into: &out)
        case .uint(let value): JSONTextWriter.writeUInt(value, into: &out)
        case .double(let value): JSONTextWriter.writeDouble(value, into: &out)
        case .string(let data): JSONTextWriter.writeQuotedString(reader.bytes[data], into: &out)
        case .opaque(let fieldType, let data):
            try JSONOpaqueText.write(type: fieldType, data: reader.bytes[data], into: &out)
        }
    }

    static func parse(type: UInt8, range: Range<Int>, depth: Int, reader: inout MySQLJSONReader) throws(DecodeError)
        -> JSONValue
    {
        if MySQLJSONReader.isContainer(type) {
            let container = try reader.openContainer(type: type, range: range, depth: depth)
            // `count` is bounded by the checked header size, so this reserves at most a third of the input.
            if container.isObject {
                var members: [JSONMember] = []
                members.reserveCapacity(container.count)
                for index in 0..<container.count {
                    let key = try reader.key(container, index)
                    let element = try reader.element(container, index)
                    let value = try parse(type: element.type, range: element.range, depth: depth + 1, reader: &reader)
                    members.append(JSONMember(key: String(decoding: reader.bytes[key], as: UTF8.self), value: value))
                }
                return .object(members)
            }
            var items: [JSONValue] = []
            items.reserveCapacity(container.count)
            for index in 0..<container.count {
                let element = try reader.element(container, index)
                items.append(try parse(type: element.type, range: element.range, depth: depth + 1, reader: &reader))
            }
            return .array(items)
        }
        switch try reader.scalar(type: type, range: range) {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .int(let value): return .int(value)
        case .uint(let value): return .uint(value)
        case .double(let value): return .double(value)
        case .string(let data): return .string(String(decoding: reader.bytes[data], as: UTF8.self))
        case .opaque(let fieldType, let data):
            try JSONOpaqueText.validate(type: fieldType, data: reader.bytes[data])
            return .opaque(type: fieldType, bytes: Array(reader.bytes[data]))
        }
    }
}
