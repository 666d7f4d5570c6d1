import CDCCore
import MySQLSource
import StateStore

/// Before `run` resumes from a saved position: the binlog that position needs must still be on the server. One
/// purged while binlog-sink was stopped cannot be read again, and `--start` does not apply to a state that holds a
/// position, so the error (exit 4, the state cannot be used) names the binlog, the oldest one the server has and
/// the two ways on (docs/operations.md, "A binlog purged while the tool was stopped").
enum SavedBinlogCheck {
    static func require(
        _ saved: SavedPosition, state: String, url: SourceURL, connection options: ConnectionOptions
    ) throws(CDCError) {
        guard let needed = saved.earliestNeeded else { return }  // a GTID position: the server resolves it
        let logs: [(String, UInt64)]
        do throws(MySQLSourceError) {
            let connection = try MySQLConnection(url: url, options: options)
            (logs, _) = try SourcePoller.poll(connection)
        } catch {
            return  // the server cannot be asked now: the stream reports that (and reconnects)
        }
        guard let oldest = logs.first?.0, !logs.contains(where: { $0.0 == needed.file }) else { return }
        throw CDCError(
            .state, message(needed: needed.file, state: state, endpoint: url.endpoint, oldest: oldest))
    }

    static func message(needed: String, state: String, endpoint: String, oldest: String) -> String {
        "the saved position in \(state) needs the binlog \(needed), which \(endpoint) no longer has (purged while "
            + "binlog-sink was stopped); the oldest binlog there is \(oldest). The changes in between cannot be "
            + "read again, and --start does not apply to a state that holds a position. Either re-snapshot into a "
            + "new state: `binlog-sink run --state NEW_DIR --snapshot initial` with the same source, sink and "
            + "filters (docs/snapshot.md); or accept the gap and continue from the oldest binlog: "
            + "`binlog-sink position set --state \(state) --file \(oldest) --pos 4 --yes`"
    }
}
