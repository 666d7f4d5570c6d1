import CDCCore

/// What `--kafka-transactions` commits with the records of each Kafka transaction: a message on the checkpoint
/// topic (key = the transactional id) naming the last record the transaction holds, and the end of the last
/// complete source transaction (docs/kafka-sink.md, "Exactly once").
///
/// A restart produces no record at or before `last` again: records are ordered by (binlog file, rows event offset,
/// row), so this one position says exactly what the committed transactions hold, whether a transaction ended
/// inside a source transaction or not.
public struct KafkaCheckpoint: Sendable, Equatable {
    /// The last record in the committed Kafka transactions: its binlog file, rows event offset and row.
    public var file: String
    public var position: UInt64
    public var row: Int
    /// Right after the last complete source transaction (`file:pos`), and its GTID: informative.
    public var next: String?
    public var gtid: String?

    public init(file: String, position: UInt64, row: Int, next: String? = nil, gtid: String? = nil) {
        self.file = file
        self.position = position
        self.row = row
        self.next = next
        self.gtid = gtid
    }

    /// Whether the record at `file`, `position`, `row` is at or before this checkpoint (so it was delivered).
    public func covers(file: String, position: UInt64, row: Int) -> Bool {
        if file != self.file {
            return Self.fileOrder(file, self.file) < 0
        }
        if position != self.position { return position < self.position }
        return row <= self.row
    }

    /// Binlog files in their order: `mysql-bin.000009` < `mysql-bin.000010` < `mysql-bin.1000000` (the numeric
    /// extension compared as a number), other names as text. Negative, zero or positive.
    static func fileOrder(_ left: String, _ right: String) -> Int {
        if let a = left.lastIndex(of: "."), let b = right.lastIndex(of: "."), left[..<a] == right[..<b],
            let x = UInt64(left[left.index(after: a)...]), let y = UInt64(right[right.index(after: b)...])
        {
            return x < y ? -1 : (x == y ? 0 : 1)
        }
        return left < right ? -1 : (left == right ? 0 : 1)
    }

    /// The message's headers: the fields a restart reads back.
    var headers: [(String, String)] {
        var list = [("file", file), ("position", String(position)), ("row", String(row))]
        if let next { list.append(("next", next)) }
        if let gtid { list.append(("gtid", gtid)) }
        return list
    }

    /// The message's value: the same as JSON, for people and tools.
    func value(transactionalID: String) -> [UInt8] {
        var out = Array(#"{"transactional_id":"#.utf8)
        JSONString.append(transactionalID, into: &out)
        out += Array(#","last_record":"#.utf8)
        JSONString.append(description, into: &out)
        out += Array(#","next":"#.utf8)
        if let next { JSONString.append(next, into: &out) } else { out += Array("null".utf8) }
        out += Array(#","gtid":"#.utf8)
        if let gtid { JSONString.append(gtid, into: &out) } else { out += Array("null".utf8) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// From a checkpoint message's headers; nil when they are not a checkpoint's.
    init?(header: (String) -> String?) {
        guard let file = header("file"), let position = header("position").flatMap({ UInt64($0) }),
            let row = header("row").flatMap({ Int($0) })
        else { return nil }
        self.init(file: file, position: position, row: row, next: header("next"), gtid: header("gtid"))
    }

    /// `file:pos:row`, the record's de-duplication key.
    public var description: String { "\(file):\(position):\(row)" }
}
