/// Rows of one table as the snapshot connection returned them (raw field bytes), copied off the connection so
/// they can be converted and rendered on another thread while the next rows are read.
public struct SnapshotRowBlock: Sendable {
    /// Every field's bytes, one after the other. Conversion appends side data (binary DECIMALs) after them.
    /// While rows are appended it is longer than `byteCount` (room for the next rows, so a row is copied with one
    /// `memcpy` per field; never read before it is written, so it is left uninitialized rather than zeroed);
    /// `seal()` cuts it to the rows' bytes before conversion.
    public var bytes: [UInt8]
    /// Bytes of the appended rows.
    public private(set) var byteCount = 0
    /// Per field: start offset in `bytes` and length; start -1 is SQL NULL. Zeroed room after the appended rows' entries.
    public var fields: [Int]
    public let fieldsPerRow: Int
    public private(set) var rowCount = 0
    /// The snapshot-wide ordinal of the first row (the records' `source.row`).
    public let firstOrdinal: Int

    public init(fieldsPerRow: Int, firstOrdinal: Int, capacity: Int = 1 << 20, rows: Int = 4096) {
        self.fieldsPerRow = fieldsPerRow
        self.firstOrdinal = firstOrdinal
        bytes = Self.room(capacity)
        fields = Self.room(capacity > 0 ? fieldsPerRow * 2 * rows : 0)
    }

    /// Appends one row's fields (`field(i)` nil for NULL).
    @inline(__always)
    public mutating func append(_ field: (Int) -> UnsafeRawBufferPointer?) {
        var length = 0
        for index in 0..<fieldsPerRow { length += field(index)?.count ?? 0 }
        if byteCount + length > bytes.count {
            Self.grow(&bytes, by: max(bytes.count, byteCount + length - bytes.count), keeping: byteCount)
        }
        let slot = rowCount * fieldsPerRow * 2
        if slot + fieldsPerRow * 2 > fields.count {
            Self.grow(&fields, by: max(fields.count, fieldsPerRow * 2), keeping: slot)
        }
        var end = byteCount
        bytes.withUnsafeMutableBytes { target in
            fields.withUnsafeMutableBufferPointer { entries in
                var entry = slot
                for index in 0..<fieldsPerRow {
                    if let value = field(index) {
                        entries[entry] = end
                        entries[entry + 1] = value.count
                        if let source = value.baseAddress, let base = target.baseAddress, value.count > 0 {
                            (base + end).copyMemory(from: source, byteCount: value.count)
                        }
                        end += value.count
                    } else {
                        entries[entry] = -1
                        entries[entry + 1] = 0
                    }
                    entry += 2
                }
            }
        }
        byteCount = end
        rowCount += 1
    }

    /// `count` elements of room (integers: any bit pattern is a valid value, and none is read before written).
    /// (None at all is `[]`: `Array(unsafeUninitializedCapacity: 0)` writes its count into the stdlib's one shared
    /// empty-array storage, a data race between threads that ThreadSanitizer reports.)
    static func room<Element: FixedWidthInteger>(_ count: Int) -> [Element] {
        guard count > 0 else { return [] }
        return [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Adds `extra` elements of room after the first `used` ones (which are kept).
    static func grow<Element: FixedWidthInteger>(_ array: inout [Element], by extra: Int, keeping used: Int) {
        var larger: [Element] = room(array.count + extra)
        larger.withUnsafeMutableBufferPointer { target in
            array.withUnsafeBufferPointer { source in
                if let to = target.baseAddress, let from = source.baseAddress, used > 0 {
                    to.update(from: from, count: used)
                }
            }
        }
        array = larger
    }

    /// Cuts `bytes` to the appended rows (before conversion appends side data after them).
    public mutating func seal() {
        if bytes.count > byteCount { bytes.removeLast(bytes.count - byteCount) }
    }

    /// The field's bytes as a range of `bytes`, nil for NULL.
    @inline(__always)
    public func range(row: Int, field: Int) -> Range<Int>? {
        let slot = (row * fieldsPerRow + field) * 2
        let start = fields[slot]
        return start < 0 ? nil : start..<(start + fields[slot + 1])
    }
}
