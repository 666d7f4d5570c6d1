import Foundation

/// A position in a server's binlogs: file name and byte offset. Binlog names have a fixed-width number
/// (`mysql-bin.000042`), so comparing (name, offset) orders positions as the server wrote them.
struct LiveBinlogPoint: Comparable, Hashable, Sendable, CustomStringConvertible {
    var file: String
    var pos: Int

    init(file: String, pos: Int) {
        self.file = file
        self.pos = pos
    }

    /// Where a record's rows event starts.
    init(_ record: BinlogRecord) {
        self.init(file: record.file, pos: record.pos)
    }

    var description: String { "\(file):\(pos)" }

    static func < (lhs: LiveBinlogPoint, rhs: LiveBinlogPoint) -> Bool { (lhs.file, lhs.pos) < (rhs.file, rhs.pos) }

    /// The server's current end position (`SHOW MASTER STATUS`).
    static func current(_ client: MariaDBClient) throws -> LiveBinlogPoint {
        try fromMasterStatus(client.run("SHOW MASTER STATUS"))
    }

    /// The position in the last line of `mariadb -N -B` output that ends with `SHOW MASTER STATUS`.
    static func fromMasterStatus(_ output: String) throws -> LiveBinlogPoint {
        guard let line = output.split(separator: "\n", omittingEmptySubsequences: true).last else {
            throw MariaDBClient.Failure(message: "SHOW MASTER STATUS returned nothing: is binary logging on?")
        }
        let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard cells.count >= 2, let pos = Int(cells[1]) else {
            throw MariaDBClient.Failure(message: "not a SHOW MASTER STATUS line: \(line.prefix(200))")
        }
        return LiveBinlogPoint(file: String(cells[0]), pos: pos)
    }
}
