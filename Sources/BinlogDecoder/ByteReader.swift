/// A bounds-checked cursor over a byte array: every read checks the remaining length once and throws
/// `DecodeError.truncated` instead of trapping, and a failed read does not move the cursor.
///
/// Holds the array by reference (copy-on-write, no copy), so slices of an event are `Range<Int>`s into `bytes`.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public var position: Int
    public let end: Int

    @inlinable
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
    }

    /// A reader over `range` of `bytes`; the range is clamped to the array.
    @inlinable
    public init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        let lower = max(0, min(range.lowerBound, bytes.count))
        self.position = lower
        self.end = max(lower, min(range.upperBound, bytes.count))
    }

    @inlinable public var remaining: Int { end - position }
    @inlinable public var isAtEnd: Bool { position >= end }

    @inlinable @inline(__always)
    func need(_ count: Int, _ what: StaticString) throws(DecodeError) {
        if count < 0 || count > end - position {
            throw shortInput(count, what)
        }
    }

    /// The error of `need`, kept out of line so the check itself inlines into every read.
    @usableFromInline @inline(never)
    func shortInput(_ count: Int, _ what: StaticString) -> DecodeError {
        DecodeError(.truncated, "\(what): needs \(count) bytes, \(end - position) left")
    }

    @inlinable
    public mutating func skip(_ count: Int, _ what: StaticString = "skip") throws(DecodeError) {
        try need(count, what)
        position += count
    }

    @inlinable
    public mutating func readUInt8(_ what: StaticString = "uint8") throws(DecodeError) -> UInt8 {
        try need(1, what)
        let value = bytes[position]
        position += 1
        return value
    }

    /// Little-endian unsigned integer of `count` (1...8) bytes.
    @inlinable
    public mutating func readLE(_ count: Int, _ what: StaticString = "integer") throws(DecodeError) -> UInt64 {
        try need(count, what)
        let start = position
        position += count
        return bytes.withUnsafeBytes { raw -> UInt64 in
            guard let base = raw.baseAddress else { return 0 }
            let p = base + start
            switch count {
            case 1: return UInt64(p.load(as: UInt8.self))
            case 2: return UInt64(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
            case 4: return UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
            case 8: return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            default:
                var value: UInt64 = 0
                for index in 0..<min(count, 8) {
                    value |= UInt64(p.load(fromByteOffset: index, as: UInt8.self)) << UInt64(index * 8)
                }
                return value
            }
        }
    }

    /// Big-endian unsigned integer of `count` (1...8) bytes.
    @inlinable
    public mutating func readBE(_ count: Int, _ what: StaticString = "integer") throws(DecodeError) -> UInt64 {
        try need(count, what)
        let start = position
        position += count
        return bytes.withUnsafeBytes { raw -> UInt64 in
            guard let base = raw.baseAddress else { return 0 }
            var value: UInt64 = 0
            for index in 0..<min(count, 8) {
                value = (value << 8) | UInt64(base.load(fromByteOffset: start + index, as: UInt8.self))
            }
            return value
        }
    }

    @inlinable
    public mutating func readUInt16LE(_ what: StaticString = "uint16") throws(DecodeError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readLE(2, what))
    }

    @inlinable
    public mutating func readUInt32LE(_ what: StaticString = "uint32") throws(DecodeError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readLE(4, what))
    }

    @inlinable
    public mutating func readUInt64LE(_ what: StaticString = "uint64") throws(DecodeError) -> UInt64 {
        try readLE(8, what)
    }

    /// MySQL's length-encoded ("packed") integer: < 0xfb itself, 0xfc + 2 bytes, 0xfd + 3 bytes, 0xfe + 8 bytes.
    /// 0xfb (NULL in the text protocol) and 0xff are rejected.
    @inlinable
    public mutating func readPackedInt(_ what: StaticString = "packed integer") throws(DecodeError) -> UInt64 {
        let start = position
        let first = try readUInt8(what)
        let width: Int
        switch first {
        case 0..<0xfb: return UInt64(first)
        case 0xfc: width = 2
        case 0xfd: width = 3
        case 0xfe: width = 8
        default:
            position = start
            throw DecodeError(
                .malformed, "\(what): invalid length-encoded integer prefix 0x\(String(first, radix: 16))")
        }
        // A cut-off value leaves the prefix unread too, like every other failed read.
        guard width <= end - position else {
            position = start
            throw shortInput(width + 1, what)
        }
        return try readLE(width, what)
    }

    /// A packed integer that is used as a count or a length: must fit in what is left of the input.
    @inlinable
    public mutating func readPackedLength(_ what: StaticString = "length") throws(DecodeError) -> Int {
        let start = position
        let value = try readPackedInt(what)
        if value > UInt64(end - position) {
            position = start
            throw DecodeError(.malformed, "\(what): \(value) is more than the \(end - position) bytes left")
        }
        return Int(value)
    }

    /// The next `count` bytes as a range into `bytes`.
    @inlinable
    public mutating func readRange(_ count: Int, _ what: StaticString = "bytes") throws(DecodeError) -> Range<Int> {
        try need(count, what)
        let range = position..<(position + count)
        position += count
        return range
    }

    /// The next `count` bytes as a new array (for small, rare fields: names, labels).
    @inlinable
    public mutating func readArray(_ count: Int, _ what: StaticString = "bytes") throws(DecodeError) -> [UInt8] {
        let range = try readRange(count, what)
        return Array(bytes[range])
    }

    /// The next `count` bytes decoded as UTF-8 (invalid sequences become U+FFFD).
    @inlinable
    public mutating func readString(_ count: Int, _ what: StaticString = "string") throws(DecodeError) -> String {
        let range = try readRange(count, what)
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// Everything that is left, as a range.
    @inlinable
    public mutating func readRest() -> Range<Int> {
        let range = position..<end
        position = end
        return range
    }

    @inlinable
    public func peekUInt8() -> UInt8? {
        position < end ? bytes[position] : nil
    }
}
