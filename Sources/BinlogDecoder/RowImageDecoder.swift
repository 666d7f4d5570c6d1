/// Decodes row images (null bitmap + packed column values) of one table's rows events.
///
/// Every width comes from the table map's type and metadata; every length read from the row is checked against
/// the bytes left, so a damaged row throws instead of reading past the event.
public struct RowImageDecoder: Sendable {
    public let columns: [TableColumn]
    /// MariaDB writes `TIME`/`DATETIME`/`TIMESTAMP` of tables created in 5.3 format; MySQL only its 5.5 ones.
    public let isMariaDB: Bool

    /// What decoding needs of each column, as plain values: reading it costs no reference counting.
    struct Layout {
        var type: UInt8
        var meta: UInt16
        var unsigned: Bool
        var stringLength: Int
        var legacyFSP: UInt8
    }
    let layouts: [Layout]

    public init(columns: [TableColumn], isMariaDB: Bool) {
        self.columns = columns
        self.isMariaDB = isMariaDB
        self.layouts = columns.map {
            Layout(
                type: $0.type.rawValue, meta: $0.meta, unsigned: $0.unsigned ?? false,
                stringLength: $0.stringLength, legacyFSP: $0.legacyFSP ?? 0)
        }
    }

    /// Decodes one image of the columns whose bit is set in `present` (a bitmap at `bytes[present]`) into
    /// `values` (one entry per table column; columns not present become `.absent`).
    /// `partialJSON` (PARTIAL_UPDATE_ROWS after images) lists columns whose value is a JSON diff: those come out
    /// as `.bytes(diffRange)` and the caller applies them.
    /// Pre-GA rows events (v0, MySQL 5.1.5–5.1.17 and its development trees) copy the record's null bytes, whose
    /// first bit is the record's reserved "X" bit: the column null bits start one bit later (`nullBitOffset` 1).
    public func decode(
        _ reader: inout ByteReader, present: Range<Int>, into values: inout [ColumnValue],
        partialJSON: [Bool]? = nil, nullBitOffset: Int = 0
    ) throws(DecodeError) {
        var presentColumns: [Int] = []
        for index in 0..<columns.count where bitIsSet(reader.bytes, present, index) { presentColumns.append(index) }
        var failure: DecodeError?
        var position = reader.position
        let end = reader.end
        reader.bytes.withUnsafeBytes { raw in
            var rawReader = RawByteReader(raw, position: position, end: end)
            do throws(DecodeError) {
                try decode(
                    &rawReader, presentColumns: presentColumns, into: &values, partialJSON: partialJSON,
                    nullBitOffset: nullBitOffset)
            } catch {
                failure = error
            }
            position = rawReader.position
        }
        reader.position = position
        if let failure { throw failure }
    }

    /// The same with the image's columns already listed (they are the same for every row of an event).
    func decode(
        _ reader: inout RawByteReader, presentColumns: [Int], into values: inout [ColumnValue],
        partialJSON: [Bool]? = nil, nullBitOffset: Int = 0
    ) throws(DecodeError) {
        let count = columns.count
        if values.count != count {
            values = [ColumnValue](repeating: .absent, count: count)
        }
        let nullBitmap = try reader.readRange((presentColumns.count + nullBitOffset + 7) / 8, "row null bitmap")
        var nullIndex = nullBitOffset
        var failure: DecodeError?
        layouts.withUnsafeBufferPointer { layouts in
            values.withUnsafeMutableBufferPointer { values in
                var next = 0
                for index in 0..<count {
                    guard next < presentColumns.count, presentColumns[next] == index else {
                        values[index] = .absent
                        continue
                    }
                    next += 1
                    let isNull = bitIsSet(reader, nullBitmap, nullIndex)
                    nullIndex += 1
                    if isNull {
                        values[index] = .null
                        continue
                    }
                    do throws(DecodeError) {
                        if let partialJSON, partialJSON[index] {
                            let prefix = Int(max(1, min(4, layouts[index].meta)))
                            let length = Int(try reader.readLE(prefix, "JSON diff length"))
                            values[index] = .bytes(try reader.readRange(length, "JSON diff"))
                            continue
                        }
                        values[index] = try decodeValue(&reader, column: layouts[index], index: index)
                    } catch {
                        failure = error
                        return
                    }
                }
            }
        }
        if let failure { throw failure }
    }

    @inline(__always)
    func bitIsSet(_ bytes: [UInt8], _ bitmap: Range<Int>, _ index: Int) -> Bool {
        let byte = bitmap.lowerBound + index / 8
        return byte < bitmap.upperBound && bytes[byte] & (1 << UInt8(index & 7)) != 0
    }

    @inline(__always)
    func bitIsSet(_ reader: RawByteReader, _ bitmap: Range<Int>, _ index: Int) -> Bool {
        let byte = bitmap.lowerBound + index / 8
        return byte < bitmap.upperBound && reader.byte(at: byte) & (1 << UInt8(index & 7)) != 0
    }

    func decodeValue(_ reader: inout RawByteReader, column: Layout, index: Int) throws(DecodeError) -> ColumnValue {
        let unsigned = column.unsigned
        switch column.type {
        case 1 /* tiny */:
            let raw = try reader.readLE(1, "TINYINT")
            return unsigned ? .uint(raw) : .int(Int64(Int8(truncatingIfNeeded: raw)))
        case 2 /* short */:
            let raw = try reader.readLE(2, "SMALLINT")
            return unsigned ? .uint(raw) : .int(Int64(Int16(truncatingIfNeeded: raw)))
        case 9 /* int24 */:
            let raw = try reader.readLE(3, "MEDIUMINT")
            return unsigned ? .uint(raw) : .int(Int64(bitPattern: raw << 40) >> 40)
        case 3 /* long */:
            let raw = try reader.readLE(4, "INT")
            return unsigned ? .uint(raw) : .int(Int64(Int32(truncatingIfNeeded: raw)))
        case 8 /* longLong */:
            let raw = try reader.readLE(8, "BIGINT")
            return unsigned ? .uint(raw) : .int(Int64(bitPattern: raw))
        case 4 /* float */:
            return .float(Float(bitPattern: UInt32(truncatingIfNeeded: try reader.readLE(4, "FLOAT"))))
        case 5 /* double */:
            return .double(Double(bitPattern: try reader.readLE(8, "DOUBLE")))
        case 13 /* year */:
            let raw = try reader.readLE(1, "YEAR")
            return .year(raw == 0 ? 0 : UInt16(1900 + raw))
        case 246 /* newDecimal */:
            let precision = UInt8(truncatingIfNeeded: column.meta)
            let scale = UInt8(truncatingIfNeeded: column.meta >> 8)
            guard precision > 0, precision <= 65, scale <= 30, scale <= precision else {
                throw DecodeError(.malformed, "column \(index + 1): DECIMAL(\(precision),\(scale)) is impossible")
            }
            let size = DecimalFormat.binarySize(precision: Int(precision), scale: Int(scale))
            return .decimal(try reader.readRange(size, "DECIMAL"), precision: precision, scale: scale)
        case 10 /* date */, 14 /* newDate */:
            let raw = try reader.readLE(3, "DATE")
            return .date(year: UInt16(raw >> 9), month: UInt8((raw >> 5) & 15), day: UInt8(raw & 31))
        case 19 /* time2 */:
            return .time(try TemporalFormat.readTime2(&reader, fsp: fsp(column)))
        case 18 /* dateTime2 */:
            return .dateTime(try TemporalFormat.readDateTime2(&reader, fsp: fsp(column)))
        case 17 /* timestamp2 */:
            let seconds = UInt32(truncatingIfNeeded: try reader.readBE(4, "TIMESTAMP"))
            let fsp = fsp(column)
            let micros = try TemporalFormat.readFraction(&reader, fsp: fsp)
            return .timestamp(seconds: seconds, microseconds: micros, fsp: fsp)
        case 11 /* time */:
            if column.legacyFSP > 0 {
                let legacy = column.legacyFSP
                return .time(try TemporalFormat.readMariaTimeHires(&reader, fsp: legacy))
            }
            return .time(try TemporalFormat.readTimeOld(&reader))
        case 12 /* dateTime */:
            if column.legacyFSP > 0 {
                let legacy = column.legacyFSP
                return .dateTime(try TemporalFormat.readMariaDateTimeHires(&reader, fsp: legacy))
            }
            return .dateTime(try TemporalFormat.readDateTimeOld(&reader))
        case 7 /* timestamp */:
            if column.legacyFSP > 0 {
                let legacy = column.legacyFSP
                let seconds = UInt32(truncatingIfNeeded: try reader.readBE(4, "TIMESTAMP"))
                let part = try reader.readBE(TemporalFormat.mariaSecPartBytes[Int(legacy)], "TIMESTAMP fraction")
                let micros = UInt32(truncatingIfNeeded: part) * TemporalFormat.powersOf10[6 - Int(legacy)]
                return .timestamp(seconds: seconds, microseconds: micros, fsp: legacy)
            }
            return .timestamp(
                seconds: UInt32(truncatingIfNeeded: try reader.readLE(4, "TIMESTAMP")), microseconds: 0, fsp: 0)
        case 15 /* varchar */, 253 /* varString */:
            let length = Int(try reader.readLE(column.meta < 256 ? 1 : 2, "VARCHAR length"))
            return .bytes(try reader.readRange(length, "VARCHAR"))
        case 254 /* string */:
            let length = Int(try reader.readLE(column.stringLength < 256 ? 1 : 2, "CHAR length"))
            return .bytes(try reader.readRange(length, "CHAR"))
        case 247 /* enumType */:
            let width = column.stringLength
            guard width == 1 || width == 2 else {
                throw DecodeError(.malformed, "column \(index + 1): ENUM of \(width) bytes")
            }
            return .enumIndex(UInt16(truncatingIfNeeded: try reader.readLE(width, "ENUM")))
        case 248 /* set */:
            let width = column.stringLength
            guard (1...8).contains(width) else {
                throw DecodeError(.malformed, "column \(index + 1): SET of \(width) bytes")
            }
            return .setBits(try reader.readLE(width, "SET"))
        case 16 /* bit */:
            let bits = Int(column.meta >> 8) * 8 + Int(column.meta & 0xff)
            let width = (bits + 7) / 8
            guard width <= 8 else { throw DecodeError(.malformed, "column \(index + 1): BIT(\(bits))") }
            return .bit(try reader.readBE(width, "BIT"))
        case 252 /* blob */, 249 /* tinyBlob */, 250 /* mediumBlob */,
            251 /* longBlob */:
            return .bytes(try readLengthPrefixed(&reader, column: column, index: index))
        case 245 /* json */:
            return .json(try readLengthPrefixed(&reader, column: column, index: index))
        case 255 /* geometry */:
            return .geometry(try readLengthPrefixed(&reader, column: column, index: index))
        case 242 /* vector */:
            return .vector(try readLengthPrefixed(&reader, column: column, index: index))
        case 6 /* null */:
            return .null
        default:
            throw DecodeError(
                .malformed,
                "column \(index + 1): type \(ColumnType(rawValue: column.type).name) (\(column.type)) cannot appear in a row"
            )
        }
    }

    @inline(__always)
    func fsp(_ column: Layout) -> UInt8 { UInt8(min(6, column.meta)) }

    func readLengthPrefixed(_ reader: inout RawByteReader, column: Layout, index: Int) throws(DecodeError) -> Range<Int>
    {
        let prefix = Int(column.meta)
        guard (1...4).contains(prefix) else {
            throw DecodeError(
                .malformed,
                "column \(index + 1): \(ColumnType(rawValue: column.type).name) length prefix of \(prefix) bytes")
        }
        let length = Int(try reader.readLE(prefix, "value length"))
        return try reader.readRange(length, "value")
    }
}
