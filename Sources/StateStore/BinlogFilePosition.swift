/// A position in the source's binlog: a file name and a byte offset in it.
///
/// Ordered by the file's numeric suffix (`mysql-bin.000009` < `mysql-bin.000010`, also past 999999 where the
/// suffix grows a digit), then by offset.
public struct BinlogFilePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var offset: UInt64

    public init(file: String, offset: UInt64) {
        self.file = file
        self.offset = offset
    }

    public var description: String { "\(file):\(offset)" }

    public static func < (lhs: BinlogFilePosition, rhs: BinlogFilePosition) -> Bool {
        if lhs.file != rhs.file {
            let left = splitName(lhs.file)
            let right = splitName(rhs.file)
            if left.base != right.base || left.sequence == nil || right.sequence == nil { return lhs.file < rhs.file }
            return (left.sequence ?? 0) < (right.sequence ?? 0)
        }
        return lhs.offset < rhs.offset
    }

    private static func splitName(_ name: String) -> (base: Substring, sequence: UInt64?) {
        guard let dot = name.lastIndex(of: ".") else { return (name[...], nil) }
        return (name[..<dot], UInt64(name[name.index(after: dot)...]))
    }
}
