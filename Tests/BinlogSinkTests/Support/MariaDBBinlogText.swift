import Foundation

/// The row images that MariaDB's own decoder printed (`mariadb-binlog --base64-output=DECODE-ROWS -vv`, saved next
/// to each fixture as `FILE.mariadb-binlog.txt`): an independent oracle for our records.
///
/// Parses the `### INSERT INTO` / `### UPDATE` / `### DELETE FROM` blocks and their `###   @N=value /* TYPE … */`
/// lines. String values are kept as raw bytes (mariadb-binlog writes bytes > 0x1F as they are and the rest, plus
/// `'` and `\`, as `\xNN`).
enum MariaDBBinlogText {
    enum Value: Equatable, CustomStringConvertible {
        case null
        /// An integer; `unsigned` is the value mariadb-binlog adds in parentheses for negative numbers.
        case integer(Int128, unsigned: Int128?)
        /// `b'0101'` (BIT and SET).
        case bits(UInt64)
        case bytes([UInt8])
        /// Anything else, as printed (DECIMAL, FLOAT, DATE…).
        case other(String)

        var description: String {
            switch self {
            case .null: return "NULL"
            case .integer(let value, let unsigned): return unsigned.map { "\(value) (\($0))" } ?? "\(value)"
            case .bits(let value): return "b'\(String(value, radix: 2))'"
            case .bytes(let bytes): return "'" + String(decoding: bytes, as: UTF8.self) + "'"
            case .other(let text): return text
            }
        }
    }

    struct Column: CustomStringConvertible {
        /// 1-based ordinal, as printed (`@3`).
        var ordinal: Int
        var value: Value
        /// The type word of the comment: `INT`, `LONGINT`, `STRING`, `VARSTRING`, `BLOB/TEXT`, `ENUM`, `SET`, `BIT`,
        /// `TIME`, `TIMESTAMP`…
        var type: String
        /// The number in parentheses after the type, when there is one (`STRING(50)` → 50).
        var typeLength: Int?
        var description: String { "@\(ordinal)=\(value) /* \(type) */" }
    }

    struct RowImage: CustomStringConvertible {
        enum Operation: String { case insert, update, delete }
        var op: Operation
        var db: String
        var table: String
        var before: [Column]?
        var after: [Column]?
        var description: String {
            "\(op.rawValue) \(db).\(table) before=\(before.map { "\($0)" } ?? "nil") after=\(after.map { "\($0)" } ?? "nil")"
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func parse(contentsOf url: URL) throws -> [RowImage] {
        try parse(try Data(contentsOf: url))
    }

    static func parse(_ data: Data) throws -> [RowImage] {
        var images: [RowImage] = []
        var current: RowImage?
        var section: WritableKeyPath<RowImage, [Column]?>?
        func flush() {
            if let image = current { images.append(image) }
            current = nil
            section = nil
        }
        for lineSlice in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let line = Array(lineSlice)
            guard line.starts(with: Array("### ".utf8)) else {
                flush()
                continue
            }
            let text = String(decoding: line, as: UTF8.self)
            if let header = parseHeader(text) {
                flush()
                current = RowImage(op: header.op, db: header.db, table: header.table, before: nil, after: nil)
                if header.op == .insert {
                    section = \RowImage.after
                    current?.after = []
                }
                continue
            }
            if text == "### WHERE" {
                section = \RowImage.before
                current?.before = []
                continue
            }
            if text == "### SET" {
                section = \RowImage.after
                current?.after = []
                continue
            }
            guard line.starts(with: Array("###   @".utf8)) else { continue }
            guard current != nil, let section else {
                throw ParseError(message: "column line outside a row image: \(text)")
            }
            let column = try parseColumn(line)
            current?[keyPath: section]?.append(column)
        }
        flush()
        return images
    }

    private static func parseHeader(_ text: String) -> (op: RowImage.Operation, db: String, table: String)? {
        let prefixes: [(String, RowImage.Operation)] = [
            ("### INSERT INTO ", .insert), ("### UPDATE ", .update), ("### DELETE FROM ", .delete),
        ]
        for (prefix, op) in prefixes where text.hasPrefix(prefix) {
            let names = text.dropFirst(prefix.count).split(separator: "`", omittingEmptySubsequences: true)
                .filter { $0 != "." }
            guard names.count == 2 else { return nil }
            return (op, String(names[0]), String(names[1]))
        }
        return nil
    }

    private static func parseColumn(_ line: [UInt8]) throws -> Column {
        let lineText = String(decoding: line, as: UTF8.self)
        var index = "###   @".utf8.count
        var ordinal = 0
        while index < line.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]) {
            ordinal = ordinal * 10 + Int(line[index] - UInt8(ascii: "0"))
            index += 1
        }
        guard index < line.count, line[index] == UInt8(ascii: "="), ordinal > 0 else {
            throw ParseError(message: "bad column line: \(lineText)")
        }
        index += 1
        let value: Value
        if index < line.count, line[index] == UInt8(ascii: "'") {
            index += 1
            var bytes: [UInt8] = []
            while true {
                guard index < line.count else { throw ParseError(message: "unterminated string: \(lineText)") }
                let byte = line[index]
                if byte == UInt8(ascii: "'") {
                    index += 1
                    break
                }
                if byte == UInt8(ascii: "\\"), index + 3 < line.count, line[index + 1] == UInt8(ascii: "x"),
                    let code = UInt8(String(decoding: line[(index + 2)...(index + 3)], as: UTF8.self), radix: 16)
                {
                    bytes.append(code)
                    index += 4
                    continue
                }
                bytes.append(byte)
                index += 1
            }
            value = .bytes(bytes)
        } else {
            guard let commentStart = find(Array(" /* ".utf8), in: line, from: index) else {
                throw ParseError(message: "no type comment: \(lineText)")
            }
            let literal = String(decoding: line[index..<commentStart], as: UTF8.self)
            index = commentStart
            value = parseLiteral(literal)
        }
        guard let commentStart = find(Array(" /* ".utf8), in: line, from: index) else {
            throw ParseError(message: "no type comment: \(lineText)")
        }
        let comment = String(decoding: line[(commentStart + 4)...], as: UTF8.self)
        let typeWord = comment.prefix { $0 != " " && $0 != "(" }
        var typeLength: Int?
        if comment.dropFirst(typeWord.count).first == "(" {
            typeLength = Int(comment.dropFirst(typeWord.count + 1).prefix { $0.isNumber })
        }
        return Column(ordinal: ordinal, value: value, type: String(typeWord), typeLength: typeLength)
    }

    private static func parseLiteral(_ literal: String) -> Value {
        if literal == "NULL" { return .null }
        if literal.hasPrefix("b'"), literal.hasSuffix("'"), let bits = UInt64(literal.dropFirst(2).dropLast(), radix: 2)
        {
            return .bits(bits)
        }
        let parts = literal.split(separator: " ")
        if let value = Int128(String(parts.first ?? "")) {
            if parts.count == 2, parts[1].hasPrefix("("), parts[1].hasSuffix(")"),
                let unsigned = Int128(String(parts[1].dropFirst().dropLast()))
            {
                return .integer(value, unsigned: unsigned)
            }
            if parts.count == 1 { return .integer(value, unsigned: nil) }
        }
        return .other(literal)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], Array(haystack[index..<index + needle.count]) == needle { return index }
            index += 1
        }
        return nil
    }
}

extension MariaDBBinlogText {
    /// Every difference between our records and the row images mariadb-binlog printed for the same file, in order.
    ///
    /// Columns are matched by ordinal: our `@N` when the record has no names, else by position when the image has
    /// every column. Values are compared by what each side can tell:
    /// - integers: ours equals the signed value or the unsigned one mariadb-binlog adds in parentheses (it prints
    ///   both because it ignores signedness metadata);
    /// - TIMESTAMP: mariadb-binlog prints epoch seconds, ours is the UTC text;
    /// - `b'…'`: BIT is our number; SET is our bitmask number, or a label string (labels are checked elsewhere);
    /// - ENUM: our index number, or a label string (checked elsewhere);
    /// - quoted bytes: our text's UTF-8 (or latin1) bytes, or our base64's bytes, equal them — base64 bytes may also
    ///   carry the 0x00 padding of a fixed-length STRING(n) (a BINARY(n) is padded, mariadb-binlog prints it stripped);
    /// - anything else: equal as numbers, or as text.
    static func differences(records: [BinlogRecord], images: [RowImage]) -> [String] {
        var problems: [String] = []
        if records.count != images.count {
            problems.append("\(records.count) records but mariadb-binlog printed \(images.count) row images")
        }
        for (index, (record, image)) in zip(records, images).enumerated() {
            let context = "row image #\(index) (\(record.key))"
            if record.op.rawValue != image.op.rawValue || record.db != image.db || record.table != image.table {
                problems.append(
                    "\(context): ours \(record.op.rawValue) \(record.tableKey), mariadb-binlog \(image.op.rawValue) \(image.db).\(image.table)"
                )
                continue
            }
            for (label, ours, theirs) in [
                ("before", record.before, image.before), ("after", record.after, image.after),
            ] {
                switch (ours, theirs) {
                case (nil, nil): continue
                case (let ours?, let theirs?):
                    problems += differences(ours, theirs, context: "\(context) \(label)")
                default:
                    problems.append("\(context): \(label) present on one side only")
                }
            }
        }
        return problems
    }

    private static func differences(_ ours: JSONObject, _ theirs: [Column], context: String) -> [String] {
        var problems: [String] = []
        let named = !ours.keys.allSatisfy { $0.hasPrefix("@") }
        if !named, ours.count != theirs.count {
            problems.append(
                "\(context): ours has columns \(ours.keys), mariadb-binlog \(theirs.map { "@\($0.ordinal)" })")
        }
        if named,
            ours.count != theirs.count || theirs.enumerated().contains(where: { $0.offset + 1 != $0.element.ordinal })
        {
            return [
                "\(context): cannot map named columns \(ours.keys) onto a partial image \(theirs.map { "@\($0.ordinal)" })"
            ]
        }
        for column in theirs {
            let key = named ? ours.keys[column.ordinal - 1] : "@\(column.ordinal)"
            guard let value = ours[key] else {
                problems.append("\(context): column \(key) missing (mariadb-binlog: \(column))")
                continue
            }
            if !matches(value, column) {
                problems.append("\(context): column \(key): ours \(value.abbreviated()), mariadb-binlog \(column)")
            }
        }
        return problems
    }

    static func matches(_ ours: JSONValue, _ column: Column) -> Bool {
        switch column.value {
        case .null:
            return ours.isNull
        case .integer(let value, let unsigned):
            if column.type == "TIMESTAMP" { return ours.stringValue == utcText(epochSeconds: value) }
            if column.type == "ENUM", ours.stringValue != nil { return true }
            guard let number = ours.integerValue else { return false }
            return number == value || number == unsigned
        case .bits(let bits):
            if column.type == "SET", ours.stringValue != nil { return true }
            return ours.integerValue == Int128(bits)
        case .bytes(let bytes):
            guard let text = ours.stringValue else { return false }
            if Array(text.utf8) == bytes || String(bytes: bytes, encoding: .isoLatin1) == text { return true }
            guard let decoded = Data(base64Encoded: text).map(Array.init) else { return false }
            if decoded == bytes { return true }
            if let length = column.typeLength, column.type == "STRING", decoded.count == length,
                decoded.starts(with: bytes), decoded.dropFirst(bytes.count).allSatisfy({ $0 == 0 })
            {
                return true
            }
            return false
        case .other(let text):
            if let oursText = ours.stringValue { return oursText == text }
            if let number = Double(text), let oursNumber = ours.doubleValue { return number == oursNumber }
            return false
        }
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC for seconds since the epoch.
    static func utcText(epochSeconds: Int128) -> String {
        let seconds = Int(truncatingIfNeeded: epochSeconds)
        var days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Civil-from-days (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return
            "\(yearText)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
    }
}
