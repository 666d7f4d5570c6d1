/// Where `JSONString` writes: the record writer's `OutputBuffer`, or a plain `[UInt8]`.
///
/// The conversion code is generic over this so both public entry points share one implementation, specialized for
/// each buffer inside the module (no dynamic dispatch on the hot path).
protocol JSONByteSink: ~Copyable {
    mutating func appendByte(_ byte: UInt8)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer)
    /// Makes room for at least `count` more bytes, keeping growth geometric.
    mutating func reserveSpare(_ count: Int)
}

extension OutputBuffer: JSONByteSink {
    @inline(__always)
    mutating func appendByte(_ byte: UInt8) {
        append(byte)
    }

    @inline(__always)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes)
    }

    @inline(__always)
    mutating func reserveSpare(_ count: Int) {
        reserve(count)  // OutputBuffer grows by doubling
    }
}

extension Array: JSONByteSink where Element == UInt8 {
    @inline(__always)
    mutating func appendByte(_ byte: UInt8) {
        append(byte)
    }

    @inline(__always)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes)
    }

    /// `reserveCapacity` alone reallocates to exactly the size asked, which turns many small appends to one growing
    /// record buffer quadratic; asking for at least double keeps growth geometric.
    @inline(__always)
    mutating func reserveSpare(_ count: Int) {
        let needed = self.count + count
        if needed > capacity {
            reserveCapacity(Swift.max(needed, capacity * 2))
        }
    }
}
