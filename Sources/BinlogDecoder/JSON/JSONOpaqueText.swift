/// Renders the opaque values of a MySQL binary JSON document (type 0x0f: a MySQL field type byte and raw bytes) the
/// way `SELECT json_col` shows them in MySQL 8 (`wrapper_to_string` in `sql-common/json_dom.cc`):
///
/// - `MYSQL_TYPE_NEWDECIMAL` (246): the number, unquoted, with all its scale digits (`123.456`, `9.00`);
///   the data is a precision byte, a scale byte and the binary DECIMAL format (`Json_decimal::convert_from_binary`).
/// - `MYSQL_TYPE_DATE` (10): `"YYYY-MM-DD"`; `MYSQL_TYPE_TIME` (11): `"[-]HH:MM:SS.ffffff"`;
///   `MYSQL_TYPE_DATETIME` (12) and `MYSQL_TYPE_TIMESTAMP` (7): `"YYYY-MM-DD HH:MM:SS.ffffff"`. The data is MySQL's
///   8-byte little-endian packed temporal (`Json_datetime::from_packed` → `TIME_from_longlong_packed`), printed by
///   `my_TIME_to_str(t, 6)`.
/// - `MYSQL_TYPE_VAR_STRING` (253): the data as a JSON string (MySQL treats it as one).
/// - anything else: `"base64:typeNN:<base64>"`, NN the decimal field type, standard base64 with padding and, like
///   MySQL's `base64_encode`, a line break after every 76 characters (written as `\n` inside the string).
///
/// Only these five temporal/decimal codes are special in MySQL's `Json_wrapper::type()`; other codes such as
/// DATETIME2 (18) or NEWDATE (14) never occur in JSON documents and, if they did, MySQL would print them in the
/// base64 form, so this does too.
enum JSONOpaqueText {
    static let typeTimestamp: UInt8 = 7
    static let typeDate: UInt8 = 10
    static let typeTime: UInt8 = 11
    static let typeDatetime: UInt8 = 12
    static let typeVarString: UInt8 = 253
    static let typeNewDecimal: UInt8 = 246

    /// Writes the value. Throws `.malformed` (and writes nothing) when a decimal or temporal payload does not have
    /// the shape MySQL writes, where MySQL would report `ER_INVALID_JSON_BINARY_DATA`.
    static func write(type: UInt8, data: ArraySlice<UInt8>, into out: inout [UInt8]) throws(DecodeError) {
        switch type {
        case typeNewDecimal:
            try writeDecimal(data, into: &out)
        case typeDate, typeTime, typeDatetime, typeTimestamp:
            try writeTemporal(type: type, data: data, into: &out)
        case typeVarString:
            JSONTextWriter.writeQuotedString(data, into: &out)
        default:
            writeBase64Form(type: type, data: data, into: &out)
        }
    }

    /// Checks a payload the way `write` would, without writing (used when parsing into a `JSONValue`).
    static func validate(type: UInt8, data: ArraySlice<UInt8>) throws(DecodeError) {
        switch type {
        case typeNewDecimal:
            var scratch: [UInt8] = []
            try writeDecimal(data, into: &scratch)
        case typeDate, typeTime, typeDatetime, typeTimestamp:
            try packedTemporal(data)
        default:
            break
        }
    }

    // MARK: - base64

    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `"base64:typeNN:…"` as a quoted JSON string.
    static func writeBase64Form(type: UInt8, data: ArraySlice<UInt8>, into out: inout [UInt8]) {
        out.append(JSONTextWriter.quote)
        JSONTextWriter.write("base64:type", into: &out)
        JSONTextWriter.writeUInt(UInt64(type), into: &out)
        out.append(0x3A)  // :
        var index = data.startIndex
        var lineLength = 0
        while index < data.endIndex {
            if lineLength == 76 {
                // MySQL's base64_encode breaks lines at 76 characters; the JSON string shows the break as \n.
                JSONTextWriter.writeEscape(0x0A, into: &out)
                lineLength = 0
            }
            let available = data.endIndex - index
            let first = UInt32(data[index])
            let second: UInt32 = available > 1 ? UInt32(data[index + 1]) : 0
            let third: UInt32 = available > 2 ? UInt32(data[index + 2]) : 0
            let group = first << 16 | second << 8 | third
            out.append(base64Alphabet[Int(group >> 18 & 0x3F)])
            out.append(base64Alphabet[Int(group >> 12 & 0x3F)])
            out.append(available > 1 ? base64Alphabet[Int(group >> 6 & 0x3F)] : 0x3D)
            out.append(available > 2 ? base64Alphabet[Int(group & 0x3F)] : 0x3D)
            index += min(3, available)
            lineLength += 4
        }
        out.append(JSONTextWriter.quote)
    }

    // MARK: - DECIMAL

    /// Bytes used by a group of 0...9 decimal digits in MySQL's binary DECIMAL format (`dig2bytes` in decimal.cc).
    static let bytesForDigits: [Int] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]
    static let powersOfTen: [UInt32] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    ]

    /// MySQL's limits for DECIMAL (`DECIMAL_MAX_PRECISION`, `DECIMAL_MAX_SCALE`).
    static let maxDecimalPrecision = 65
    static let maxDecimalScale = 30

    /// Writes an opaque DECIMAL the way `decimal2string` prints it: optional `-`, the integer digits without leading
    /// zeros (at least one digit), then `.` and exactly `scale` fraction digits when the scale is not zero.
    ///
    /// The binary format (`bin2decimal`): integer digits then fraction digits in groups of nine, each group a
    /// big-endian integer of 4 bytes (a partial group of n digits uses `bytesForDigits[n]` bytes), the partial
    /// integer group first and the partial fraction group last; the first byte has its top bit flipped, and every
    /// byte is inverted for negative numbers.
    static func writeDecimal(_ data: ArraySlice<UInt8>, into out: inout [UInt8]) throws(DecodeError) {
        guard data.count >= 2 else {
            throw DecodeError(
                .malformed, "JSON opaque DECIMAL: \(data.count) bytes, needs at least precision and scale")
        }
        let precision = Int(data[data.startIndex])
        let scale = Int(data[data.startIndex + 1])
        guard precision <= maxDecimalPrecision, scale <= maxDecimalScale, scale <= precision else {
            throw DecodeError(.malformed, "JSON opaque DECIMAL: impossible precision \(precision) / scale \(scale)")
        }
        let integerDigits = precision - scale
        let fullIntegerGroups = integerDigits / 9
        let leadingDigits = integerDigits % 9
        let fullFractionGroups = scale / 9
        let trailingDigits = scale % 9
        let size =
            bytesForDigits[leadingDigits] + fullIntegerGroups * 4 + fullFractionGroups * 4
            + bytesForDigits[trailingDigits]
        guard data.count - 2 == size else {
            throw DecodeError(
                .malformed,
                "JSON opaque DECIMAL(\(precision),\(scale)): \(data.count - 2) bytes of digits, the format needs \(size)"
            )
        }
        let body = data.dropFirst(2)
        if body.isEmpty {
            // DECIMAL(0,0): bin2decimal makes it a plain zero.
            out.append(0x30)
            return
        }
        let negative = body[body.startIndex] & 0x80 == 0
        let mask: UInt8 = negative ? 0xFF : 0x00

        // At most 65 digits plus signs and point: a fixed, small scratch buffer.
        var integerText: [UInt8] = []
        integerText.reserveCapacity(maxDecimalPrecision)
        var fractionText: [UInt8] = []
        fractionText.reserveCapacity(maxDecimalScale)
        var position = body.startIndex

        func readGroup(digits: Int) throws(DecodeError) -> UInt32 {
            let byteCount = bytesForDigits[digits]
            var value: UInt32 = 0
            for offset in 0..<byteCount {
                var byte = body[position + offset] ^ mask
                if position + offset == body.startIndex { byte ^= 0x80 }
                value = value << 8 | UInt32(byte)
            }
            position += byteCount
            guard value < powersOfTen[digits] else {
                throw DecodeError(.malformed, "JSON opaque DECIMAL: a \(digits)-digit group holds \(value)")
            }
            return value
        }

        if leadingDigits > 0 {
            appendDigits(try readGroup(digits: leadingDigits), width: leadingDigits, to: &integerText)
        }
        for _ in 0..<fullIntegerGroups {
            appendDigits(try readGroup(digits: 9), width: 9, to: &integerText)
        }
        for _ in 0..<fullFractionGroups {
            appendDigits(try readGroup(digits: 9), width: 9, to: &fractionText)
        }
        if trailingDigits > 0 {
            appendDigits(try readGroup(digits: trailingDigits), width: trailingDigits, to: &fractionText)
        }

        var firstSignificant = 0
        while firstSignificant < integerText.count && integerText[firstSignificant] == 0x30 { firstSignificant += 1 }
        // A negative zero is never written by MySQL (it normalizes the sign of zero); print it without the sign,
        // as the column decoder's `DecimalFormat` does.
        let isZero = firstSignificant == integerText.count && fractionText.allSatisfy { $0 == 0x30 }
        if negative && isZero == false { out.append(0x2D) }
        if firstSignificant == integerText.count {
            out.append(0x30)
        } else {
            out.append(contentsOf: integerText[firstSignificant...])
        }
        if fractionText.isEmpty == false {
            out.append(0x2E)
            out.append(contentsOf: fractionText)
        }
    }

    static func appendDigits(_ value: UInt32, width: Int, to text: inout [UInt8]) {
        JSONTextWriter.writeZeroPadded(UInt64(value), width: width, into: &text)
    }

    // MARK: - Temporals

    /// The packed temporal as a signed 64-bit integer; MySQL always stores 8 bytes (`Json_datetime::PACKED_SIZE`).
    @discardableResult
    static func packedTemporal(_ data: ArraySlice<UInt8>) throws(DecodeError) -> Int64 {
        guard data.count == 8 else {
            throw DecodeError(.malformed, "JSON opaque temporal: \(data.count) bytes, MySQL stores 8")
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for byte in data {
            value |= UInt64(byte) << shift
            shift += 8
        }
        return Int64(bitPattern: value)
    }

    /// Decodes `TIME_from_longlong_time_packed` / `TIME_from_longlong_datetime_packed` (the low 24 bits are the
    /// microseconds, the rest the packed fields; a negative value is a negative time) and prints it quoted.
    static func writeTemporal(type: UInt8, data: ArraySlice<UInt8>, into out: inout [UInt8]) throws(DecodeError) {
        let packed = try packedTemporal(data)
        let magnitude = packed.magnitude
        let microseconds = magnitude % (1 << 24)
        let fields = magnitude >> 24
        out.append(JSONTextWriter.quote)
        if type == typeTime {
            // hms = hour << 12 | minute << 6 | second, hour 10 bits.
            if packed < 0 { out.append(0x2D) }
            JSONTextWriter.writeZeroPadded((fields >> 12) % (1 << 10), width: 2, into: &out)
            out.append(0x3A)
            JSONTextWriter.writeZeroPadded((fields >> 6) % (1 << 6), width: 2, into: &out)
            out.append(0x3A)
            JSONTextWriter.writeZeroPadded(fields % (1 << 6), width: 2, into: &out)
            out.append(0x2E)
            JSONTextWriter.writeZeroPadded(microseconds, width: 6, into: &out)
        } else {
            // ((year * 13 + month) << 5 | day) << 17 | hour << 12 | minute << 6 | second; a sign is not printed
            // for dates (my_datetime_to_str ignores it).
            let yearMonthDay = fields >> 17
            let yearMonth = yearMonthDay >> 5
            let hms = fields % (1 << 17)
            JSONTextWriter.writeZeroPadded(yearMonth / 13, width: 4, into: &out)
            out.append(0x2D)
            JSONTextWriter.writeZeroPadded(yearMonth % 13, width: 2, into: &out)
            out.append(0x2D)
            JSONTextWriter.writeZeroPadded(yearMonthDay % (1 << 5), width: 2, into: &out)
            if type != typeDate {
                out.append(0x20)
                JSONTextWriter.writeZeroPadded(hms >> 12, width: 2, into: &out)
                out.append(0x3A)
                JSONTextWriter.writeZeroPadded((hms >> 6) % (1 << 6), width: 2, into: &out)
                out.append(0x3A)
                JSONTextWriter.writeZeroPadded(hms % (1 << 6), width: 2, into: &out)
                out.append(0x2E)
                JSONTextWriter.writeZeroPadded(microseconds, width: 6, into: &out)
            }
        }
        out.append(JSONTextWriter.quote)
    }
}
