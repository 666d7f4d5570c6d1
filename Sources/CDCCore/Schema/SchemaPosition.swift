/// Where in the binlog a schema version starts: a file and an offset in it.
///
/// Ordered across files by the file's numeric extension (`mysql-bin.000002` after `mysql-bin.000001`, and
/// `mysql-bin.1000000` after `mysql-bin.999999`), then by name, then by offset.
public struct SchemaPosition: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var file: String
    public var offset: UInt64

    public init(file: String, offset: UInt64) {
        self.file = file
        self.offset = offset
    }

    /// The position before anything: versions read from information_schema before streaming start here.
    public static let start = SchemaPosition(file: "", offset: 0)

    /// The number after the file name's last dot (nil when there is none).
    public var fileIndex: UInt64? {
        guard let dot = file.lastIndex(of: ".") else { return nil }
        return UInt64(file[file.index(after: dot)...])
    }

    public var description: String { "\(file):\(offset)" }

    public static func < (lhs: SchemaPosition, rhs: SchemaPosition) -> Bool {
        if lhs.file != rhs.file {
            switch (lhs.fileIndex, rhs.fileIndex) {
            case (let left?, let right?) where left != right: return left < right
            default: return lhs.file < rhs.file
            }
        }
        return lhs.offset < rhs.offset
    }
}
