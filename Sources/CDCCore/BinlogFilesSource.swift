import BinlogDecoder

/// Binlog files read in the order given, as `parse` does: `startPosition` applies to the first file (its format
/// description at offset 4 is still read first), `stopPosition` to the last.
public final class BinlogFilesSource: BinlogEventSource {
    let paths: [String]
    let startPosition: UInt64?
    let stopPosition: UInt64?
    private var index = -1
    private var reader: BinlogFileReader?
    private var sawFormatDescription = false

    public init(paths: [String], startPosition: UInt64? = nil, stopPosition: UInt64? = nil) {
        self.paths = paths
        self.startPosition = startPosition
        self.stopPosition = stopPosition
    }

    public func nextEvent() throws(CDCError) -> SourceEvent? {
        while true {
            if reader == nil {
                index += 1
                guard index < paths.count else { return nil }
                reader = try BinlogFileReader(path: paths[index])
                sawFormatDescription = false
            }
            guard let reader else { return nil }
            let isLast = index == paths.count - 1
            guard let (bytes, offset) = try reader.next(), !(isLast && stopPosition.map { offset >= $0 } ?? false)
            else {
                self.reader = nil
                continue
            }
            if !sawFormatDescription && bytes.count > 4 && bytes[4] == EventType.formatDescription.rawValue {
                sawFormatDescription = true
                if index == 0, let startPosition, startPosition > reader.offset {
                    reader.seek(to: startPosition)
                }
            }
            let path = paths[index]
            return SourceEvent(bytes: bytes, offset: offset, file: Self.baseName(path), label: path)
        }
    }

    static func baseName(_ path: String) -> String {
        if let slash = path.lastIndex(of: "/") { return String(path[path.index(after: slash)...]) }
        return path
    }
}
