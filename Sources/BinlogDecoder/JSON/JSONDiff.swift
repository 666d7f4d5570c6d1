/// The partial JSON updates of MySQL's PARTIAL_UPDATE_ROWS_EVENT (`binlog_row_value_options=PARTIAL_JSON`).
///
/// When a row's JSON column is marked partial in the after image, its value (after the column's 4-byte length
/// prefix) is a sequence of diffs (`Json_diff_vector::read_binary` / `read_json_diff` in `sql-common/json_diff.cc`),
/// each:
/// - operation, 1 byte: 0 REPLACE, 1 INSERT, 2 REMOVE;
/// - path length as a MySQL length-encoded integer (`net_field_length`), then the path text (`$.a[1]."k"`);
/// - for REPLACE and INSERT: value length as a length-encoded integer, then a binary JSON document.
/// The diffs follow one another up to the end of the column value; there is no count.
public enum JSONDiff {
    /// What a diff does at its path.
    public enum Operation: UInt8, Sendable {
        /// The value at the path is replaced.
        case replace = 0
        /// A value is added at the path (a new member, or an array element before the indexed one).
        case insert = 1
        /// The value at the path is removed.
        case remove = 2

        public var name: String {
            switch self {
            case .replace: return "REPLACE"
            case .insert: return "INSERT"
            case .remove: return "REMOVE"
            }
        }
    }

    /// One decoded diff.
    public struct Change: Sendable, Equatable {
        public var operation: Operation
        /// The path as MySQL wrote it, e.g. `$.a[1]."k k"`.
        public var path: String
        /// The new value of a REPLACE or INSERT; nil for REMOVE.
        public var value: JSONValue?
        /// The parsed path (never empty).
        var legs: [JSONPath.Leg]
    }

    /// Decodes the JSON diff vector of a PARTIAL_UPDATE_ROWS_EVENT column (bytes after the column's length prefix)
    /// without applying it: for a row whose before image does not carry the JSON column (binlog_row_image=MINIMAL),
    /// the changes themselves are all there is to report. Malformed diffs throw as `apply` does.
    public static func decode(_ diff: ArraySlice<UInt8>) throws(DecodeError) -> [Change] {
        var reader = ByteReader(Array(diff))
        var changes: [Change] = []
        while reader.isAtEnd == false {
            let number = changes.count + 1
            let code = try reader.readUInt8("JSON diff operation")
            guard let operation = Operation(rawValue: code) else {
                throw DecodeError(.malformed, "JSON diff \(number): unknown operation \(code)")
            }
            let pathLength = try reader.readPackedLength("JSON diff path length")
            let pathRange = try reader.readRange(pathLength, "JSON diff path")
            let pathText = String(decoding: reader.bytes[pathRange], as: UTF8.self)
            let path = try JSONPath.parse(reader.bytes[pathRange])
            guard path.legs.isEmpty == false else {
                // MySQL asserts this never happens: a diff always names something inside the document.
                throw DecodeError(.malformed, "JSON diff \(number): \(operation.name) of the whole document ($)")
            }
            var value: JSONValue? = nil
            if operation != .remove {
                let valueLength = try reader.readPackedLength("JSON diff value length")
                guard valueLength > 0 else {
                    // MySQL's parse_binary refuses an empty value here (ER_CORRUPTED_JSON_DIFF).
                    throw DecodeError(
                        .malformed, "JSON diff \(number): \(operation.name) \(pathText) with an empty value")
                }
                let valueRange = try reader.readRange(valueLength, "JSON diff value")
                let parsed = try MySQLJSON.parse(reader.bytes[valueRange])
                if path.legs.count + parsed.nestingDepth > MySQLJSON.maximumDepth {
                    throw DecodeError(
                        .limitExceeded,
                        "JSON diff \(number): \(operation.name) \(pathText) would nest deeper than \(MySQLJSON.maximumDepth) levels"
                    )
                }
                value = parsed
            }
            changes.append(Change(operation: operation, path: pathText, value: value, legs: path.legs))
        }
        return changes
    }

    /// Applies the JSON diff vector of a PARTIAL_UPDATE_ROWS_EVENT column (bytes after the column's length prefix)
    /// to the before image, in order, with MySQL's semantics (`apply_json_diff`):
    /// - REPLACE: the value at the path must exist and is replaced.
    /// - INSERT: the parent must exist; into an object the member must not exist yet and is added at the position
    ///   MySQL's object order gives it (by key length, then bytes); into an array the value goes before the element
    ///   the index names, or at the end when the index is past it.
    /// - REMOVE: the member or the array element must exist and is removed.
    /// Paths are followed exactly (no auto-wrapping of scalars). A diff MySQL would reject (`ER_CORRUPTED_JSON_DIFF`
    /// or a rejected apply) throws `.malformed`; a result nested deeper than `MySQLJSON.maximumDepth` throws
    /// `.limitExceeded`.
    public static func apply(_ diff: ArraySlice<UInt8>, to before: JSONValue) throws(DecodeError) -> JSONValue {
        var document = before
        for (index, change) in try decode(diff).enumerated() {
            do {
                try apply(change.operation, legs: change.legs[...], value: change.value ?? .null, to: &document)
            } catch {
                throw DecodeError(
                    error.code, "JSON diff \(index + 1): \(change.operation.name) \(change.path): \(error.message)")
            }
        }
        return document
    }

    /// Follows `legs` down from `node` and applies the operation with the last leg in its parent. Each step takes
    /// the child out of its container before recursing so the arrays are mutated in place, not copied.
    static func apply(
        _ operation: Operation, legs: ArraySlice<JSONPath.Leg>, value: JSONValue, to node: inout JSONValue
    ) throws(DecodeError) {
        guard let leg = legs.first else { return }
        let rest = legs.dropFirst()
        switch node {
        case .array(var items):
            guard case .cell(let index, let fromEnd) = leg else {
                throw DecodeError(.malformed, "\(describe(leg)) does not match an array")
            }
            node = .null
            defer { node = .array(items) }
            let target = JSONPath.position(index: index, fromEnd: fromEnd, count: items.count)
            if rest.isEmpty {
                switch operation {
                case .replace:
                    guard target.withinBounds else { throw notFound(leg) }
                    items[target.position] = value
                case .insert:
                    items.insert(value, at: target.position)
                case .remove:
                    guard target.withinBounds else { throw notFound(leg) }
                    items.remove(at: target.position)
                }
                return
            }
            guard target.withinBounds else { throw notFound(leg) }
            try apply(operation, legs: rest, value: value, to: &items[target.position])
        case .object(var members):
            guard case .member(let key) = leg else {
                throw DecodeError(.malformed, "\(describe(leg)) does not match an object")
            }
            node = .null
            defer { node = .object(members) }
            // MySQL compares keys byte for byte; Swift's String == would also match canonically equivalent keys.
            let found = members.firstIndex { $0.key.utf8.elementsEqual(key.utf8) }
            if rest.isEmpty {
                switch operation {
                case .replace:
                    guard let found else { throw notFound(leg) }
                    members[found].value = value
                case .insert:
                    guard found == nil else {
                        throw DecodeError(.malformed, "member \"\(key)\" already exists")
                    }
                    let position = members.firstIndex { precedesInMySQLOrder(key, $0.key) } ?? members.count
                    members.insert(JSONMember(key: key, value: value), at: position)
                case .remove:
                    guard let found else { throw notFound(leg) }
                    members.remove(at: found)
                }
                return
            }
            guard let found else { throw notFound(leg) }
            try apply(operation, legs: rest, value: value, to: &members[found].value)
        default:
            throw DecodeError(.malformed, "\(describe(leg)) does not match a \(kind(of: node))")
        }
    }

    /// MySQL's `Json_key_comparator`: shorter keys first, keys of equal length by their bytes.
    static func precedesInMySQLOrder(_ left: String, _ right: String) -> Bool {
        let leftCount = left.utf8.count
        let rightCount = right.utf8.count
        if leftCount != rightCount { return leftCount < rightCount }
        return left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    static func notFound(_ leg: JSONPath.Leg) -> DecodeError {
        DecodeError(.malformed, "\(describe(leg)) not found in the before image")
    }

    static func describe(_ leg: JSONPath.Leg) -> String {
        switch leg {
        case .member(let key): return "member \"\(key)\""
        case .cell(let index, let fromEnd): return fromEnd ? "array cell [last-\(index)]" : "array cell [\(index)]"
        }
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .uint, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .opaque: return "opaque value"
        }
    }
}
