import Foundation

/// What a value of the native JSON format becomes in the other formats (docs/formats.md), for comparing a run in
/// one format with a run in another column by column: the expected Avro value as kafka_consume.py prints it after
/// confluent-kafka's AvroDeserializer decoded it (`{"$micros":…}`, `{"$days":…}`, `{"$decimal":…}`,
/// `{"$bytes":…}`), and the value-preserving comparisons.
enum LiveKafkaValues {
    /// The SQL type (as in CREATE TABLE) of every column of LiveWorkload's tables by table and column, including
    /// t_alter's column `note` that its ALTER drops.
    static let columnTypes: [String: [String: String]] = {
        var types: [String: [String: String]] = [:]
        for table in LiveWorkload.tables {
            var columns: [String: String] = [:]
            for column in table.columns {
                let key = table.primaryKey.contains(column.name) ? " NOT NULL" : ""
                columns[column.name] = column.type + key
            }
            types[table.name] = columns
        }
        types["t_alter", default: [:]]["note"] = "VARCHAR(20)"
        return types
    }()

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Microseconds in `[-]H…H:MM:SS[.ffffff]` (TIME) or `HH:MM:SS[.ffffff]`.
    static func micros(time text: Substring) -> Int? {
        var body = text
        let negative = body.first == "-"
        if negative { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1)
        let hms = parts[0].split(separator: ":")
        guard hms.count == 3, let h = Int(hms[0]), let m = Int(hms[1]), let s = Int(hms[2]) else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let digits = String(parts[1].prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0)
            guard let value = Int(digits) else { return nil }
            fraction = value
        }
        let total = ((h * 60 + m) * 60 + s) * 1_000_000 + fraction
        return negative ? -total : total
    }

    /// (year, month, day) of `YYYY-MM-DD…`; nil when month or day is 0 (zero and invalid dates).
    static func civil(_ text: String) -> (Int, Int, Int)? {
        let parts = text.prefix(10).split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), m > 0, d > 0
        else { return nil }
        return (y, m, d)
    }

    /// The Avro value (as kafka_consume.py prints it) that a column of `type` must have for the native JSON value.
    static func expectedAvro(_ value: JSONValue, type sqlType: String) -> JSONValue {
        if value.isNull { return .null }
        let type = sqlType.uppercased()
        let nullable = !type.contains("NOT NULL")
        func object(_ tag: String, _ inner: JSONValue) -> JSONValue { .object(JSONObject([(tag, inner)])) }
        if type.hasPrefix("BIGINT") && type.contains("UNSIGNED"), let text = value.numberText {
            return object("$decimal", .string(text))
        }
        if type.hasPrefix("DECIMAL"), let text = value.stringValue { return object("$decimal", .string(text)) }
        if type.hasPrefix("BIT(64)"), let number = value.numberText, let bits = UInt64(number) {
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * $0)) }
            return object("$bytes", .string(Data(bytes).base64EncodedString()))
        }
        if type.hasPrefix("DATETIME") || type.hasPrefix("TIMESTAMP"), let text = value.stringValue {
            guard let (y, m, d) = civil(text), text.count >= 19, let time = micros(time: text.dropFirst(11)) else {
                return nullable ? .null : object("$micros", .number("0"))
            }
            return object("$micros", .number(String(days(year: y, month: m, day: d) * 86_400_000_000 + time)))
        }
        if type.hasPrefix("DATE"), let text = value.stringValue {
            guard let (y, m, d) = civil(text) else { return nullable ? .null : object("$days", .number("0")) }
            return object("$days", .number(String(days(year: y, month: m, day: d))))
        }
        if type.hasPrefix("TIME"), let text = value.stringValue, let micros = micros(time: Substring(text)) {
            return .number(String(micros))
        }
        if type.contains("BINARY") || type.contains("BLOB"), let text = value.stringValue {
            return object("$bytes", .string(text))
        }
        return value
    }

    /// Whether the decoded Avro value equals the expected one: floats compared as Float, doubles as Double, bytes by
    /// content, decimals and integers by exact text.
    static func avroEqual(_ actual: JSONValue, _ expected: JSONValue, type sqlType: String) -> Bool {
        let type = sqlType.uppercased()
        if type.hasPrefix("FLOAT"), let a = actual.numberText.flatMap(Double.init), let e = expected.numberText {
            return Float(a) == Float(e)
        }
        if type.hasPrefix("DOUBLE"), let a = actual.numberText.flatMap(Double.init),
            let e = expected.numberText.flatMap(Double.init)
        {
            return a == e
        }
        if let a = actual["$bytes"]?.stringValue, let e = expected["$bytes"]?.stringValue {
            return Data(base64Encoded: a) == Data(base64Encoded: e)
        }
        if let a = actual.integerValue, let e = expected.integerValue { return a == e }
        return actual == expected
    }

    /// Differences between an Avro-decoded row image and the native JSON image of the same row change.
    static func avroImageProblems(
        _ actual: JSONValue?, _ expected: JSONObject?, table: String, what: String
    ) -> [String] {
        switch (actual, expected) {
        case (nil, nil), (.null?, nil): return []
        case (let actual?, let expected?):
            guard let image = actual.objectValue else { return ["\(what): not a record: \(actual.abbreviated())"] }
            if image.keys != expected.keys {
                return ["\(what): columns \(image.keys), the json record has \(expected.keys)"]
            }
            var problems: [String] = []
            for (column, value) in expected.entries {
                let type = columnTypes[table]?[column] ?? "?"
                let want = expectedAvro(value, type: type)
                let have = image[column] ?? .null
                if !avroEqual(have, want, type: type) {
                    problems.append(
                        "\(what).\(column) (\(type)): avro \(have.abbreviated(120)), expected \(want.abbreviated(120)) "
                            + "from json \(value.abbreviated(120))")
                }
            }
            return problems
        default:
            return [
                "\(what): avro \(actual?.abbreviated() ?? "absent"), json \(expected.map { JSONValue.object($0).abbreviated() } ?? "null")"
            ]
        }
    }

    /// The row's key as the keyed sinks write it: the primary-key columns of the after image (the before image for a
    /// delete), every column when the table has none.
    static func keyImage(_ record: BinlogRecord) -> JSONObject? {
        guard let image = record.after ?? record.before else { return nil }
        let primaryKey = LiveWorkload.tables.first { $0.name == record.table }?.primaryKey ?? []
        if primaryKey.isEmpty { return image }
        return JSONObject(primaryKey.map { ($0, image[$0] ?? .null) })
    }
}
