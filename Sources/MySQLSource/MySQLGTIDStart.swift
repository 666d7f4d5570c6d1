import BinlogDecoder

/// Where a MySQL replica that already holds a GTID set starts reading, found the way the server itself finds it
/// for `COM_BINLOG_DUMP_GTID` (which Connector/C 3.3 cannot send): each binlog file begins with a
/// `PREVIOUS_GTIDS` event holding every GTID written before it; the stream starts at the newest file whose previous
/// set the replica already holds, and the transactions of the replica's set found after that are skipped
/// (`BinlogParser.Options.excludeGTIDs`).
public enum MySQLGTIDStart {
    /// The file to start at: the newest whose `PREVIOUS_GTIDS` is a subset of `wanted`. Nil when not even the oldest
    /// file qualifies: transactions the replica lacks were written before the oldest file the server still has
    /// (purged).
    public static func startFile(wanted: GTIDSet, previous: [(file: String, set: GTIDSet)]) -> String? {
        previous.last(where: { $0.set.isSubset(of: wanted) })?.file
    }

    /// Reads each binlog's `PREVIOUS_GTIDS` with `SHOW BINLOG EVENTS IN … LIMIT 3` (needs REPLICATION SLAVE, as the
    /// stream does), newest first, stopping at the first file the set covers.
    static func resolve(_ wantedText: String, connection: MySQLConnection) throws(MySQLSourceError) -> (
        file: String, excluded: GTIDSet
    ) {
        let wanted: GTIDSet
        do throws(DecodeError) {
            wanted = try GTIDSet(parsing: wantedText)
        } catch {
            throw MySQLSourceError(
                "--start gtid:\(wantedText): \(error.message)",
                hint: "give a MySQL GTID set as SELECT @@gtid_executed prints it (uuid:1-100[,uuid:1-5])")
        }
        let logs = try ReplicationStream.binaryLogs(connection)
        var previous: [(file: String, set: GTIDSet)] = []
        for (name, _) in logs.reversed() {
            let rows = try connection.query("SHOW BINLOG EVENTS IN \(connection.literal(name)) LIMIT 3")
            // Columns: Log_name, Pos, Event_type, Server_id, End_log_pos, Info.
            guard let row = rows.first(where: { $0.count >= 6 && $0[2] == "Previous_gtids" }) else {
                throw MySQLSourceError(
                    "\(name) on \(connection.url.endpoint) has no Previous_gtids event: GTIDs cannot be located",
                    hint: "start from FILE:POS (SHOW BINARY LOG STATUS) or earliest")
            }
            let set: GTIDSet
            do throws(DecodeError) {
                set = try GTIDSet(parsing: row[5] ?? "")
            } catch {
                throw MySQLSourceError("\(name): the server's Previous_gtids \"\(row[5] ?? "")\": \(error.message)")
            }
            previous.insert((name, set), at: 0)
            if set.isSubset(of: wanted) { break }
        }
        guard let file = startFile(wanted: wanted, previous: previous) else {
            let oldest = previous.first.map { "\($0.file) begins after \($0.set)" } ?? "the server has no binlogs"
            throw MySQLSourceError(
                "--start gtid:\(wantedText): transactions missing from that set are no longer on "
                    + "\(connection.url.endpoint) (\(oldest))",
                hint: "re-snapshot the tables, or start from earliest if missing changes are acceptable")
        }
        return (file, wanted)
    }
}
