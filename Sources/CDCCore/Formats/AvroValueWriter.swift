import BinlogDecoder

/// Writes one decoded column value as the Avro datum of its column's type (docs/avro.md, docs/formats.md).
enum AvroValueWriter {
    /// Appends the field: the union branch for a nullable column, then the value. MySQL's zero dates (no Avro
    /// value) are null in a nullable column and the epoch (0) otherwise, as Debezium does.
    /// A masked column (`--mask-column`) is the SHA-256 hex digest of the value as the native JSON format renders
    /// it (`info` says how), the same string the JSON record carries.
    static func appendField(
        _ value: ColumnValue, plan: AvroColumnPlan, info: ColumnRenderInfo, bytes: [UInt8], side: [UInt8],
        into out: inout OutputBuffer
    ) throws(DecodeError) {
        switch value {
        case .absent:
            throw DecodeError(
                .missingContext,
                "column \(plan.name) is not in the row image (binlog_row_image=MINIMAL or NOBLOB); Avro records "
                    + "carry every column: set binlog_row_image=FULL on the server")
        case .null:
            guard plan.nullable else {
                throw DecodeError(
                    .malformed, "column \(plan.name) is NULL but the table map declares it NOT NULL")
            }
            AvroBinaryWriter.appendUnionIndex(0, into: &out)
            return
        default:
            break
        }
        if plan.action == .mask {
            var rendered = OutputBuffer(capacity: 256)
            try ValueRenderer.append(value, info: info, bytes: bytes, side: side, into: &rendered)
            if plan.nullable { AvroBinaryWriter.appendUnionIndex(1, into: &out) }
            AvroBinaryWriter.appendString(SHA256.hex(rendered.array), into: &out)
            return
        }
        if isZeroTemporal(value) {
            if plan.nullable {
                AvroBinaryWriter.appendUnionIndex(0, into: &out)
            } else {
                AvroBinaryWriter.appendLong(0, into: &out)
            }
            return
        }
        if plan.nullable { AvroBinaryWriter.appendUnionIndex(1, into: &out) }
        try appendValue(value, plan: plan, bytes: bytes, side: side, into: &out)
    }

    /// `0000-00-00`, `2024-00-15`, the zero DATETIME and the zero TIMESTAMP: no calendar instant.
    static func isZeroTemporal(_ value: ColumnValue) -> Bool {
        switch value {
        case .date(_, let month, let day): return CivilDays.isZeroOrInvalid(month: month, day: day)
        case .dateTime(let value): return CivilDays.isZeroOrInvalid(month: value.month, day: value.day)
        case .timestamp(let seconds, let microseconds, _): return seconds == 0 && microseconds == 0
        default: return false
        }
    }

    // swift-format-ignore: CyclomaticComplexity
    static func appendValue(
        _ value: ColumnValue, plan: AvroColumnPlan, bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError) {
        switch (value, plan.target) {
        case (.int(let number), .long):
            AvroBinaryWriter.appendLong(number, into: &out)
        case (.int(let number), .decimal(scale: 0)):
            AvroBinaryWriter.appendBytes(TwosComplement.bytes(number), into: &out)
        case (.uint(let number), .long):
            guard number <= UInt64(Int64.max) else { throw mismatch(value, plan) }
            AvroBinaryWriter.appendLong(Int64(number), into: &out)
        case (.uint(let number), .decimal(scale: 0)):
            AvroBinaryWriter.appendBytes(TwosComplement.bytes(number), into: &out)
        case (.float(let number), .float):
            AvroBinaryWriter.appendFloat(number, into: &out)
        case (.float(let number), .double):
            AvroBinaryWriter.appendDouble(Double(number), into: &out)
        case (.double(let number), .double):
            AvroBinaryWriter.appendDouble(number, into: &out)
        case (.decimal(let range, let precision, let scale), .decimal(let planScale)):
            guard Int(scale) == planScale else { throw mismatch(value, plan) }
            let unscaled = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DecimalFormat.maxTextLength) {
                buffer -> [UInt8] in
                guard let base = buffer.baseAddress else { return [0] }
                let count = DecimalFormat.render(bytes, range, precision: Int(precision), scale: Int(scale), to: base)
                return TwosComplement.bytes(decimalText: UnsafeBufferPointer(start: base, count: count))
            }
            AvroBinaryWriter.appendBytes(unscaled, into: &out)
        case (.year(let year), .long):
            AvroBinaryWriter.appendLong(Int64(year), into: &out)
        case (.bit(let bits), .long):
            AvroBinaryWriter.appendLong(Int64(bitPattern: bits), into: &out)
        case (.bit(let bits), .bytes):
            AvroBinaryWriter.appendBytes(
                (0..<8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * UInt64($0))) }, into: &out)
        case (.date(let year, let month, let day), .date):
            AvroBinaryWriter.appendLong(
                CivilDays.since1970(year: Int64(year), month: Int64(month), day: Int64(day)), into: &out)
        case (.dateTime(let dateTime), .timestampMicros):
            AvroBinaryWriter.appendLong(CivilDays.micros(dateTime), into: &out)
        case (.timestamp(let seconds, let microseconds, _), .timestampMicros):
            AvroBinaryWriter.appendLong(Int64(seconds) * 1_000_000 + Int64(microseconds % 1_000_000), into: &out)
        case (.time(let time), .timeMicros):
            AvroBinaryWriter.appendLong(CivilDays.micros(time), into: &out)
        case (.enumIndex(let index), .string):
            if index == 0 {
                AvroBinaryWriter.appendBytes([], into: &out)
            } else if let labels = plan.labels, Int(index) <= labels.count {
                AvroBinaryWriter.appendBytes(labels[Int(index) - 1], into: &out)
            } else {
                AvroBinaryWriter.appendString(String(index), into: &out)
            }
        case (.setBits(let bits), .string):
            if let labels = plan.labels, labels.count >= 64 || bits >> UInt64(labels.count) == 0 {
                var text: [UInt8] = []
                var first = true
                for index in 0..<labels.count where bits & (1 << UInt64(index)) != 0 {
                    if !first { text.append(44) }
                    first = false
                    text.append(contentsOf: labels[index])
                }
                AvroBinaryWriter.appendBytes(text, into: &out)
            } else {
                AvroBinaryWriter.appendString(String(bits), into: &out)
            }
        case (.bytes(let range), .string):
            let text = bytes.withUnsafeBytes { raw in
                UTF8Text.convert(UnsafeRawBufferPointer(rebasing: raw[range]), charset: plan.charset ?? .utf8mb4)
            }
            AvroBinaryWriter.appendBytes(text, into: &out)
        case (.bytes(let range), .bytes):
            bytes.withUnsafeBytes { raw in
                AvroBinaryWriter.appendBytes(
                    UnsafeRawBufferPointer(rebasing: raw[range]), padTo: plan.padTo, into: &out)
            }
        case (.geometry(let range), .bytes):
            // The server's internal format: 4-byte little-endian SRID, then WKB.
            bytes.withUnsafeBytes { raw in
                AvroBinaryWriter.appendBytes(UnsafeRawBufferPointer(rebasing: raw[range]), into: &out)
            }
        case (.json(let range), .string):
            var text: [UInt8] = []
            try MySQLJSON.render(bytes[range], into: &text)
            AvroBinaryWriter.appendBytes(text, into: &out)
        case (.jsonText(let range), .string):
            guard range.upperBound <= side.count else {
                throw DecodeError(.malformed, "column \(plan.name): rebuilt JSON document out of range")
            }
            side.withUnsafeBytes { raw in
                AvroBinaryWriter.appendBytes(UnsafeRawBufferPointer(rebasing: raw[range]), into: &out)
            }
        case (.vector(let range), .floatArray):
            guard range.count % 4 == 0 else {
                throw DecodeError(.malformed, "VECTOR value of \(range.count) bytes is not a float32 array")
            }
            let count = range.count / 4
            if count > 0 {
                AvroBinaryWriter.appendLong(Int64(count), into: &out)
                // Avro floats are little-endian IEEE 754, as MySQL stores them.
                bytes.withUnsafeBytes { raw in out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[range])) }
            }
            AvroBinaryWriter.appendLong(0, into: &out)
        default:
            throw mismatch(value, plan)
        }
    }

    static func mismatch(_ value: ColumnValue, _ plan: AvroColumnPlan) -> DecodeError {
        DecodeError(
            .malformed,
            "column \(plan.name): a \(kind(value)) value does not fit the column's Avro type (\(plan.target)); "
                + "the table map and the row disagree")
    }

    static func kind(_ value: ColumnValue) -> String {
        switch value {
        case .absent: return "absent"
        case .null: return "NULL"
        case .int, .uint: return "integer"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .decimal(_, let precision, let scale): return "DECIMAL(\(precision),\(scale))"
        case .year: return "YEAR"
        case .date: return "DATE"
        case .time: return "TIME"
        case .dateTime: return "DATETIME"
        case .timestamp: return "TIMESTAMP"
        case .bit: return "BIT"
        case .enumIndex: return "ENUM"
        case .setBits: return "SET"
        case .bytes: return "string or binary"
        case .json, .jsonText: return "JSON"
        case .geometry: return "GEOMETRY"
        case .vector: return "VECTOR"
        }
    }
}
