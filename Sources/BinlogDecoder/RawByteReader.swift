/// What row-image decoding reads from: the bounds-checked array cursor (`ByteReader`) or, on the hot path, the
/// same cursor over a raw buffer (`RawByteReader`), which avoids re-borrowing the array on every read.
/// Positions are offsets into the underlying bytes either way, so ranges mean the same thing.
public protocol RowBytesReader {
    var position: Int { get }
    var end: Int { get }
    mutating func readLE(_ count: Int, _ what: StaticString) throws(DecodeError) -> UInt64
    mutating func readBE(_ count: Int, _ what: StaticString) throws(DecodeError) -> UInt64
    mutating func readRange(_ count: Int, _ what: StaticString) throws(DecodeError) -> Range<Int>
    mutating func readPackedInt(_ what: StaticString) throws(DecodeError) -> UInt64
    /// The byte at `index` of the underlying bytes (the caller checked the index).
    func byte(at index: Int) -> UInt8
}

extension ByteReader: RowBytesReader {
    @inlinable
    public func byte(at index: Int) -> UInt8 { bytes[index] }
}

/// `ByteReader` over a buffer borrowed for the duration of a decode: same checks, same errors, no array access.
public struct RawByteReader: RowBytesReader {
    @usableFromInline let base: UnsafeRawBufferPointer
    public var position: Int
    public let end: Int

    @inlinable
    public init(_ base: UnsafeRawBufferPointer, position: Int, end: Int) {
        self.base = base
        self.position = max(0, min(position, base.count))
        self.end = max(self.position, min(end, base.count))
    }

    @inlinable @inline(__always)
    func need(_ count: Int, _ what: StaticString) throws(DecodeError) {
        if count < 0 || count > end - position { throw shortInput(count, what) }
    }

    @usableFromInline @inline(never)
    func shortInput(_ count: Int, _ what: StaticString) -> DecodeError {
        DecodeError(.truncated, "\(what): needs \(count) bytes, \(end - position) left")
    }

    @inlinable @inline(__always)
    public func byte(at index: Int) -> UInt8 { base[index] }

    @inlinable @inline(__always)
    public mutating func readLE(_ count: Int, _ what: StaticString) throws(DecodeError) -> UInt64 {
        try need(count, what)
        guard let pointer = base.baseAddress else { return 0 }
        let p = pointer + position
        position += count
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

    @inlinable @inline(__always)
    public mutating func readBE(_ count: Int, _ what: StaticString) throws(DecodeError) -> UInt64 {
        try need(count, what)
        guard let pointer = base.baseAddress else { return 0 }
        let p = pointer + position
        position += count
        var value: UInt64 = 0
        for index in 0..<min(count, 8) {
            value = (value << 8) | UInt64(p.load(fromByteOffset: index, as: UInt8.self))
        }
        return value
    }

    @inlinable @inline(__always)
    public mutating func readRange(_ count: Int, _ what: StaticString) throws(DecodeError) -> Range<Int> {
        try need(count, what)
        let range = position..<(position + count)
        position += count
        return range
    }

    @inlinable
    public mutating func readPackedInt(_ what: StaticString) throws(DecodeError) -> UInt64 {
        let start = position
        let first = try readLE(1, what)
        let width: Int
        switch first {
        case 0..<0xfb: return first
        case 0xfc: width = 2
        case 0xfd: width = 3
        case 0xfe: width = 8
        default:
            position = start
            throw DecodeError(
                .malformed, "\(what): invalid length-encoded integer prefix 0x\(String(first, radix: 16))")
        }
        // A cut-off value leaves the prefix unread too, like every other failed read (as ByteReader does).
        guard width <= end - position else {
            position = start
            throw shortInput(width + 1, what)
        }
        return try readLE(width, what)
    }
}
