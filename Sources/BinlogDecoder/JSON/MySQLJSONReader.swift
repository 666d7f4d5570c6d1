/// Walks a MySQL binary JSON document (`sql-common/json_binary.cc`) with every offset and length checked against the
/// bytes it may use, for `MySQLJSON.render` (straight to text) and `MySQLJSON.parse` (to a `JSONValue`).
///
/// Layout, all integers little-endian: a value is a type byte and its data. Objects and arrays (small: 2-byte
/// fields, large: 4-byte fields) start with the element count and their total size in bytes, then for objects one
/// key entry per member (key offset, 2-byte key length), then one value entry per element (a type byte and an
/// offset, or the value itself for literals and 16-bit integers, and in the large format also for 32-bit integers).
/// Offsets are relative to the start of the object or array, i.e. the byte after its type byte.
///
/// Two guards beyond MySQL's own checks keep hostile input cheap: nesting deeper than `MySQLJSON.maximumDepth`
/// throws `.limitExceeded`, and a work budget proportional to the input size is charged for every header, key and
/// stored scalar visited. A document written by MySQL visits each byte once, but value entries of a crafted one can
/// point many times at the same sub-document and make the text exponentially larger than the input; the budget
/// turns that into `.limitExceeded` instead.
struct MySQLJSONReader {
    let bytes: ArraySlice<UInt8>
    private var budget: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        // MySQL-written documents use at most about `bytes.count` (inlined scalars are counted with their entry
        // and again when read); the factor leaves room and stays linear.
        self.budget = 4 * bytes.count + 64
    }

    static let typeSmallObject: UInt8 = 0x00
    static let typeLargeObject: UInt8 = 0x01
    static let typeSmallArray: UInt8 = 0x02
    static let typeLargeArray: UInt8 = 0x03
    static let typeLiteral: UInt8 = 0x04
    static let typeInt16: UInt8 = 0x05
    static let typeUInt16: UInt8 = 0x06
    static let typeInt32: UInt8 = 0x07
    static let typeUInt32: UInt8 = 0x08
    static let typeInt64: UInt8 = 0x09
    static let typeUInt64: UInt8 = 0x0A
    static let typeDouble: UInt8 = 0x0B
    static let typeString: UInt8 = 0x0C
    static let typeOpaque: UInt8 = 0x0F

    /// An object or array whose header has been checked.
    struct Container {
        var isObject: Bool
        var isLarge: Bool
        /// Absolute index (in `bytes`) of the element-count field; offsets are relative to it.
        var start: Int
        var count: Int
        /// Total size in bytes, from `start`.
        var size: Int
        var offsetSize: Int { isLarge ? 4 : 2 }
        var keyEntrySize: Int { offsetSize + 2 }
        var valueEntrySize: Int { offsetSize + 1 }
        var headerSize: Int { 2 * offsetSize + count * ((isObject ? keyEntrySize : 0) + valueEntrySize) }
    }

    /// A scalar value; strings and opaque data are ranges into `bytes`.
    enum Scalar {
        case null
        case bool(Bool)
        case int(Int64)
        case uint(UInt64)
        case double(Double)
        case string(Range<Int>)
        case opaque(type: UInt8, data: Range<Int>)
    }

    static func isContainer(_ type: UInt8) -> Bool { type <= typeLargeArray }

    /// Little-endian unsigned integer at an absolute index; the caller has checked the range.
    func readLE(at index: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for offset in 0..<count {
            value |= UInt64(bytes[index + offset]) << UInt64(8 * offset)
        }
        return value
    }

    mutating func charge(_ amount: Int) throws(DecodeError) {
        budget -= amount
        if budget < 0 {
            throw DecodeError(
                .limitExceeded,
                "MySQL JSON: the document's entries refer to the same data over and over (more work than \(bytes.count) bytes can need)"
            )
        }
    }

    /// The top-level value: its type byte and the bytes after it.
    func root() -> (type: UInt8, range: Range<Int>)? {
        guard let type = bytes.first else { return nil }
        return (type, (bytes.startIndex + 1)..<bytes.endIndex)
    }

    /// Checks an object or array header (`parse_array_or_object`): both length fields present, the declared size
    /// inside `range`, and the key and value entries inside the declared size. A huge declared count therefore
    /// cannot pass with a small input.
    mutating func openContainer(type: UInt8, range: Range<Int>, depth: Int) throws(DecodeError) -> Container {
        if depth > MySQLJSON.maximumDepth {
            throw DecodeError(.limitExceeded, "MySQL JSON: nesting deeper than \(MySQLJSON.maximumDepth) levels")
        }
        let isLarge = type == Self.typeLargeObject || type == Self.typeLargeArray
        let offsetSize = isLarge ? 4 : 2
        guard range.count >= 2 * offsetSize else {
            throw DecodeError(
                .truncated, "MySQL JSON: \(range.count) bytes left, an object or array header needs \(2 * offsetSize)")
        }
        let count = Int(readLE(at: range.lowerBound, count: offsetSize))
        let size = Int(readLE(at: range.lowerBound + offsetSize, count: offsetSize))
        guard size <= range.count else {
            throw DecodeError(
                .truncated, "MySQL JSON: an object or array declares \(size) bytes, only \(range.count) are left")
        }
        let container = Container(
            isObject: type == Self.typeSmallObject || type == Self.typeLargeObject,
            isLarge: isLarge, start: range.lowerBound, count: count, size: size)
        guard container.headerSize <= size else {
            throw DecodeError(.malformed, "MySQL JSON: \(count) elements do not fit in a \(size)-byte object or array")
        }
        try charge(container.headerSize)
        return container
    }

    /// The key of member `index` (checked to lie after the header and inside the object).
    mutating func key(_ container: Container, _ index: Int) throws(DecodeError) -> Range<Int> {
        let entry = container.start + 2 * container.offsetSize + index * container.keyEntrySize
        let offset = Int(readLE(at: entry, count: container.offsetSize))
        let length = Int(readLE(at: entry + container.offsetSize, count: 2))
        guard offset >= container.headerSize, offset + length <= container.size else {
            throw DecodeError(
                .malformed,
                "MySQL JSON: key \(index) at offset \(offset) length \(length) is outside its \(container.size)-byte object"
            )
        }
        try charge(length)
        return (container.start + offset)..<(container.start + offset + length)
    }

    /// The type and bytes of element `index`. An inlined value's bytes are the offset field of its entry; a stored
    /// value's bytes run from its offset to the end of the container (`Value::element`), and the offset must lie
    /// after the entry itself, so references only ever point forward.
    func element(_ container: Container, _ index: Int) throws(DecodeError) -> (type: UInt8, range: Range<Int>) {
        var entry = 2 * container.offsetSize + index * container.valueEntrySize
        if container.isObject { entry += container.count * container.keyEntrySize }
        let type = bytes[container.start + entry]
        let field = (container.start + entry + 1)..<(container.start + entry + container.valueEntrySize)
        if Self.isInlined(type, large: container.isLarge) {
            return (type, field)
        }
        let offset = Int(readLE(at: field.lowerBound, count: container.offsetSize))
        guard offset >= entry + container.valueEntrySize, offset <= container.size else {
            throw DecodeError(
                .malformed,
                "MySQL JSON: element \(index) at offset \(offset) is outside its \(container.size)-byte object or array"
            )
        }
        return (type, (container.start + offset)..<(container.start + container.size))
    }

    static func isInlined(_ type: UInt8, large: Bool) -> Bool {
        switch type {
        case typeLiteral, typeInt16, typeUInt16: return true
        case typeInt32, typeUInt32: return large
        default: return false
        }
    }

    /// Decodes a scalar of `type` from the start of `range` (`parse_scalar`).
    mutating func scalar(type: UInt8, range: Range<Int>) throws(DecodeError) -> Scalar {
        switch type {
        case Self.typeLiteral:
            let byte = try fixed(1, range, "literal")
            switch byte {
            case 0x00: return .null
            case 0x01: return .bool(true)
            case 0x02: return .bool(false)
            default: throw DecodeError(.malformed, "MySQL JSON: unknown literal 0x\(String(byte, radix: 16))")
            }
        case Self.typeInt16:
            return .int(Int64(Int16(truncatingIfNeeded: try fixed(2, range, "int16"))))
        case Self.typeUInt16:
            return .uint(try fixed(2, range, "uint16"))
        case Self.typeInt32:
            return .int(Int64(Int32(truncatingIfNeeded: try fixed(4, range, "int32"))))
        case Self.typeUInt32:
            return .uint(try fixed(4, range, "uint32"))
        case Self.typeInt64:
            return .int(Int64(bitPattern: try fixed(8, range, "int64")))
        case Self.typeUInt64:
            return .uint(try fixed(8, range, "uint64"))
        case Self.typeDouble:
            return .double(Double(bitPattern: try fixed(8, range, "double")))
        case Self.typeString:
            let (length, lengthBytes) = try variableLength(at: range.lowerBound, in: range, "string")
            let start = range.lowerBound + lengthBytes
            guard length <= range.upperBound - start else {
                throw DecodeError(
                    .truncated, "MySQL JSON: string of \(length) bytes, only \(range.upperBound - start) left")
            }
            try charge(lengthBytes + length)
            return .string(start..<(start + length))
        case Self.typeOpaque:
            guard range.count >= 1 else {
                throw DecodeError(.truncated, "MySQL JSON: opaque value without its field type")
            }
            let fieldType = bytes[range.lowerBound]
            let (length, lengthBytes) = try variableLength(at: range.lowerBound + 1, in: range, "opaque value")
            let start = range.lowerBound + 1 + lengthBytes
            guard length <= range.upperBound - start else {
                throw DecodeError(
                    .truncated, "MySQL JSON: opaque value of \(length) bytes, only \(range.upperBound - start) left")
            }
            try charge(1 + lengthBytes + length)
            return .opaque(type: fieldType, data: start..<(start + length))
        default:
            throw DecodeError(.malformed, "MySQL JSON: unknown value type 0x\(String(type, radix: 16))")
        }
    }

    /// A fixed-size little-endian field at the start of `range`.
    private mutating func fixed(_ count: Int, _ range: Range<Int>, _ what: StaticString) throws(DecodeError) -> UInt64 {
        guard range.count >= count else {
            throw DecodeError(.truncated, "MySQL JSON: \(what) needs \(count) bytes, \(range.count) left")
        }
        try charge(count)
        return readLE(at: range.lowerBound, count: count)
    }

    /// The variable-length length of strings and opaque values (`read_variable_length`): 7 bits per byte, low
    /// group first, high bit set on every byte but the last, at most 5 bytes and at most `UInt32.max`.
    func variableLength(at start: Int, in range: Range<Int>, _ what: StaticString) throws(DecodeError) -> (
        value: Int, byteCount: Int
    ) {
        var value: UInt64 = 0
        var index = start
        var byteCount = 0
        while byteCount < 5 {
            guard index < range.upperBound else {
                throw DecodeError(.truncated, "MySQL JSON: \(what) length runs past the end")
            }
            let byte = bytes[index]
            value |= UInt64(byte & 0x7F) << UInt64(7 * byteCount)
            byteCount += 1
            index += 1
            if byte & 0x80 == 0 {
                guard value <= UInt64(UInt32.max) else {
                    throw DecodeError(.malformed, "MySQL JSON: \(what) length \(value) is more than 32 bits")
                }
                return (Int(value), byteCount)
            }
        }
        throw DecodeError(.malformed, "MySQL JSON: \(what) length has more than 5 bytes")
    }
}
