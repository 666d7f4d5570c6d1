import Foundation

/// One row-change record as `binlog-sink parse` writes it (docs/record-format.md), parsed from a JSON line.
struct BinlogRecord: Sendable, CustomStringConvertible {
    enum Operation: String, Sendable {
        case insert, update, delete, read
    }

    var op: Operation
    var db: String
    var table: String
    var before: JSONObject?
    var after: JSONObject?
    var serverID: JSONValue
    var file: String
    var pos: Int
    var row: Int
    var gtid: String?
    var ts: JSONValue
    var key: String
    /// The whole line, for messages.
    var raw: JSONValue

    /// `db.table`, the key the replayer files rows under.
    var tableKey: String { "\(db).\(table)" }

    var description: String { raw.abbreviated(400) }

    struct FormatError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static let topLevelKeys = ["op", "db", "table", "before", "after", "source", "key"]
    static let sourceKeys = ["server_id", "file", "pos", "row", "gtid", "ts"]

    init(_ value: JSONValue) throws {
        guard let object = value.objectValue else {
            throw FormatError(message: "record is not a JSON object: \(value.abbreviated())")
        }
        raw = value
        guard let opText = object["op"]?.stringValue, let op = Operation(rawValue: opText) else {
            throw FormatError(message: "bad or missing op in \(value.abbreviated())")
        }
        self.op = op
        guard let db = object["db"]?.stringValue, let table = object["table"]?.stringValue else {
            throw FormatError(message: "missing db/table in \(value.abbreviated())")
        }
        self.db = db
        self.table = table
        before = try BinlogRecord.image(object["before"], name: "before", in: value)
        after = try BinlogRecord.image(object["after"], name: "after", in: value)
        guard let source = object["source"]?.objectValue else {
            throw FormatError(message: "missing source in \(value.abbreviated())")
        }
        serverID = source["server_id"] ?? .null
        guard let file = source["file"]?.stringValue,
            let pos = source["pos"]?.integerValue, let row = source["row"]?.integerValue,
            let intPos = Int(exactly: pos), let intRow = Int(exactly: row)
        else {
            throw FormatError(message: "bad source.file/pos/row in \(value.abbreviated())")
        }
        self.file = file
        self.pos = intPos
        self.row = intRow
        switch source["gtid"] {
        case .string(let text)?: gtid = text
        case .null?: gtid = nil
        default: throw FormatError(message: "source.gtid must be a string or null in \(value.abbreviated())")
        }
        ts = source["ts"] ?? .null
        guard let key = object["key"]?.stringValue else {
            throw FormatError(message: "missing key in \(value.abbreviated())")
        }
        self.key = key
    }

    private static func image(_ value: JSONValue?, name: String, in record: JSONValue) throws -> JSONObject? {
        switch value {
        case .object(let object)?: return object
        case .null?: return nil
        default: throw FormatError(message: "\(name) must be an object or null in \(record.abbreviated())")
        }
    }

    /// Every way this record departs from the documented record shape (docs/record-format.md): key order, types,
    /// before/after presence per op, `key == file:pos:row`, `file` being a base name.
    func contractViolations() -> [String] {
        var problems: [String] = []
        guard let object = raw.objectValue else { return ["not an object"] }
        if object.keys != BinlogRecord.topLevelKeys {
            problems.append("top-level keys \(object.keys) != \(BinlogRecord.topLevelKeys)")
        }
        if let source = object["source"]?.objectValue, source.keys != BinlogRecord.sourceKeys {
            problems.append("source keys \(source.keys) != \(BinlogRecord.sourceKeys)")
        }
        if !object.duplicateKeys.isEmpty { problems.append("duplicate keys \(object.duplicateKeys)") }
        for image in [before, after].compactMap({ $0 }) where !image.duplicateKeys.isEmpty {
            problems.append("duplicate column names \(image.duplicateKeys)")
        }
        switch op {
        case .insert, .read:
            if before != nil { problems.append("\(op.rawValue) must have before = null") }
            if after == nil { problems.append("\(op.rawValue) must have an after image") }
        case .update:
            if before == nil || after == nil { problems.append("update must have before and after") }
        case .delete:
            if before == nil { problems.append("delete must have a before image") }
            if after != nil { problems.append("delete must have after = null") }
        }
        if key != "\(file):\(pos):\(row)" { problems.append("key \(key) != file:pos:row (\(file):\(pos):\(row))") }
        if file.contains("/") { problems.append("source.file \(file) is not a base name") }
        if serverID.integerValue == nil { problems.append("source.server_id is not an integer") }
        if ts.integerValue == nil { problems.append("source.ts is not an integer") }
        if pos < 4 || row < 0 { problems.append("implausible pos \(pos) / row \(row)") }
        return problems
    }

    /// Parses `binlog-sink parse` stdout into records.
    static func parseAll(_ stdout: Data) throws -> [BinlogRecord] {
        try JSONParser.parseLines(stdout).map { try BinlogRecord($0) }
    }
}

/// One line of `binlog-sink parse --events`.
struct BinlogEventLine: Sendable, CustomStringConvertible {
    var object: JSONObject
    var raw: JSONValue

    init(_ value: JSONValue) throws {
        guard let object = value.objectValue else {
            throw BinlogRecord.FormatError(message: "event line is not a JSON object: \(value.abbreviated())")
        }
        self.object = object
        raw = value
    }

    var file: String? { object["file"]?.stringValue.map { URL(fileURLWithPath: $0).lastPathComponent } }
    var pos: Int? { object["pos"]?.integerValue.flatMap { Int(exactly: $0) } }
    var type: String? { object["type"]?.stringValue }
    var inPayload: Bool { object["in_payload"]?.boolValue ?? false }
    subscript(key: String) -> JSONValue? { object[key] }
    var description: String { raw.abbreviated(300) }

    static func parseAll(_ stdout: Data) throws -> [BinlogEventLine] {
        try JSONParser.parseLines(stdout).map { try BinlogEventLine($0) }
    }
}
