/// Rows of one table as the snapshot connection returned them (raw field bytes), copied off the connection so
/// they can be converted and rendered on another thread while the next rows are read.
public struct SnapshotRowBlock: Sendable {
    /// Every field's bytes, one after the other. Conversion appends side data (binary DECIMALs) after them.
    public var bytes: [UInt8] = []
    /// Per field: start offset in `bytes` and length; start -1 is SQL NULL.
    public var fields: [Int] = []
    public let fieldsPerRow: Int
    public private(set) var rowCount = 0
    /// The snapshot-wide ordinal of the first row (the records' `source.row`).
    public let firstOrdinal: Int

    public init(fieldsPerRow: Int, firstOrdinal: Int, capacity: Int = 1 << 20) {
        self.fieldsPerRow = fieldsPerRow
        self.firstOrdinal = firstOrdinal
        bytes.reserveCapacity(capacity)
        fields.reserveCapacity(fieldsPerRow * 2 * 1024)
    }

    /// Appends one row's fields (`field(i)` nil for NULL).
    @inline(__always)
    public mutating func append(_ field: (Int) -> UnsafeRawBufferPointer?) {
        for index in 0..<fieldsPerRow {
            if let value = field(index) {
                fields.append(bytes.count)
                fields.append(value.count)
                // As typed bytes: Array's append then copies with one memcpy (a raw buffer goes byte by byte).
                bytes.append(contentsOf: value.assumingMemoryBound(to: UInt8.self))
            } else {
                fields.append(-1)
                fields.append(0)
            }
        }
        rowCount += 1
    }

    /// The field's bytes as a range of `bytes`, nil for NULL.
    @inline(__always)
    public func range(row: Int, field: Int) -> Range<Int>? {
        let slot = (row * fieldsPerRow + field) * 2
        let start = fields[slot]
        return start < 0 ? nil : start..<(start + fields[slot + 1])
    }
}
