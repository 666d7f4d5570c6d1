import BinlogDecoder
import CDCCore
import CMariaDB
import CShims
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the stream starts (`--start`).
public enum StartPosition: Sendable, Equatable, CustomStringConvertible {
    /// The first binlog the server still has (SHOW BINARY LOGS), offset 4.
    case earliest
    /// The server's current end (SHOW MASTER STATUS / SHOW BINARY LOG STATUS).
    case latest
    case position(file: String, offset: UInt64)
    /// A MariaDB GTID position (`0-1-100,1-2-5`), or on MySQL the GTID set the consumer already holds
    /// (`uuid:1-100`): see `MySQLGTIDStart`.
    case gtid(String)

    public init(parsing text: String) throws(MySQLSourceError) {
        switch text {
        case "earliest": self = .earliest
        case "latest": self = .latest
        default:
            if text.hasPrefix("gtid:") {
                let set = String(text.dropFirst(5))
                guard !set.isEmpty,
                    set.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-,:_ \n".contains($0)) })
                else {
                    throw MySQLSourceError(
                        "--start \(text): a GTID position looks like gtid:0-1-100[,1-2-5] (MariaDB) or gtid:uuid:1-100 (MySQL)"
                    )
                }
                self = .gtid(set)
                return
            }
            let (file, offset) = try Self.filePosition(text, option: "--start")
            self = .position(file: file, offset: offset)
        }
    }

    static func filePosition(_ text: String, option: String) throws(MySQLSourceError) -> (String, UInt64) {
        guard let colon = text.lastIndex(of: ":"), let offset = UInt64(text[text.index(after: colon)...]),
            colon != text.startIndex
        else {
            throw MySQLSourceError(
                "\(option) \(text): expected earliest, latest, FILE:POS (mysql-bin.000042:4) or gtid:SET")
        }
        guard offset >= 4 else { throw MySQLSourceError("\(option) \(text): the first event of a binlog is at 4") }
        return (String(text[..<colon]), offset)
    }

    public var description: String {
        switch self {
        case .earliest: return "earliest"
        case .latest: return "latest"
        case .position(let file, let offset): return "\(file):\(offset)"
        case .gtid(let set): return "gtid:\(set)"
        }
    }
}

/// Where the stream stops (`--until`).
public enum UntilPosition: Sendable, Equatable {
    case never
    /// The server's end position when the stream starts.
    case now
    case position(file: String, offset: UInt64)

    public init(parsing text: String) throws(MySQLSourceError) {
        switch text {
        case "never": self = .never
        case "now": self = .now
        default:
            let (file, offset) = try StartPosition.filePosition(text, option: "--until")
            self = .position(file: file, offset: offset)
        }
    }
}

public struct ReplicationOptions: Sendable {
    /// The replica server id the stream registers with. The default, 1000000000 + the process id, is non-zero
    /// and unlikely to clash with real replicas (which usually have small ids); give `--server-id` when several
    /// streams may run on one host over time or when the server has replicas with such ids.
    public var serverID: UInt32 = ReplicationOptions.defaultServerID
    public var start: StartPosition = .latest
    public var until: UntilPosition = .never
    /// Seconds between heartbeats the server sends when it has nothing else to send (0 disables them).
    public var heartbeatSeconds: Double = 5
    /// How long to keep reconnecting after a lost connection before giving up.
    public var reconnectGiveUpSeconds: Double = 600
    public var initialBackoffSeconds: Double = 0.5
    public var maxBackoffSeconds: Double = 30

    public init() {}

    public static var defaultServerID: UInt32 { 1_000_000_000 + UInt32(truncatingIfNeeded: getpid()) % 1_000_000_000 }
}

/// A server's binlog stream read as a replica with Connector/C's `mariadb_rpl_*` (one `MARIADB_RPL*` per
/// connection, freed with it). Yields the events as they are on disk: the artificial ROTATE naming a file is not
/// delivered, the FORMAT_DESCRIPTION is the first event of each file, heartbeats are consumed.
///
/// A lost connection is re-established with exponential backoff and the stream resumes at the start of the
/// transaction it was in (so the parser has the table maps again); events already delivered are not delivered
/// again, except FORMAT_DESCRIPTION and TABLE_MAP events, which the decoder needs.
///
/// Every call blocks: use it from a thread that may block, never from the cooperative pool.
public final class ReplicationStream: BinlogEventSource {
    public let url: SourceURL
    let connectionOptions: ConnectionOptions
    public let options: ReplicationOptions

    private var connection: MySQLConnection?
    private var rpl: UnsafeMutablePointer<MARIADB_RPL>?

    /// The file of the next event and its offset.
    public private(set) var file = ""
    public private(set) var nextPosition: UInt64 = 4
    /// On MySQL with `--start gtid:SET`: the set, whose transactions after the start file are not to be emitted.
    public private(set) var excludeGTIDs: GTIDSet?
    /// Where `--until` stops (nil: never).
    public private(set) var end: (file: String, offset: UInt64)?
    private var checksumLength = 4
    /// Resume state: the offset of the current transaction's first event in `file` (GTID or BEGIN).
    private var transactionStart: UInt64?
    private var previousWasGTID = false
    /// The offset of the last event delivered in `file`.
    private var lastDelivered: UInt64?
    /// After a reconnect: events of `file` at or before this offset were delivered already.
    private var suppressThrough: UInt64?
    private var finished = false

    /// Called before a read that may wait for the server (nothing is buffered on the socket): the place to flush
    /// what has been rendered so far.
    public var idleHandler: (() throws(CDCError) -> Void)?
    /// How many times the stream reconnected.
    public private(set) var reconnects = 0
    /// Messages about reconnects, for the command to log (never holding the password).
    public var log: ((String) -> Void)?
    /// Ends the stream from another thread (a signal): `nextEvent` then returns nil.
    public let stopper = ReplicationStreamStopper()

    public init(url: SourceURL, connection: ConnectionOptions, options: ReplicationOptions) throws(CDCError) {
        self.url = url
        var connectionOptions = connection
        if options.heartbeatSeconds > 0 {
            // A silent server sends a heartbeat every period: three missed ones mean the connection is dead.
            connectionOptions.readTimeout = UInt32(max(10, (options.heartbeatSeconds * 3).rounded(.up)))
        } else {
            connectionOptions.readTimeout = 0
        }
        self.connectionOptions = connectionOptions
        self.options = options
        // A connection lost while starting (once the server was reached: a restart, a network cut, KILL) is retried
        // like one lost mid-stream, within --reconnect-timeout; the start and end positions are resolved once. A
        // server that never answered fails at once (a wrong address shows immediately).
        let clock = ContinuousClock()
        var reached = false
        var resolved: (start: (String, UInt64), end: (file: String, offset: UInt64)?)?
        var deadline: ContinuousClock.Instant?
        var delay = options.initialBackoffSeconds
        while true {
            do throws(MySQLSourceError) {
                let connection = try MySQLConnection(url: url, options: connectionOptions)
                reached = true
                self.connection = connection
                try Self.checkSettings(connection)
                if resolved == nil {
                    let start = try resolveStart(connection)
                    switch options.until {
                    case .never: resolved = (start, nil)
                    case .now: resolved = (start, try Self.endPosition(connection))
                    case .position(let file, let offset): resolved = (start, (file, offset))
                    }
                }
                guard let (start, until) = resolved else { continue }
                end = until
                if case .gtid(let set) = options.start, connection.isMariaDB {
                    try open(connection, file: "", offset: 4, gtid: set)
                } else {
                    try open(connection, file: start.0, offset: start.1, gtid: nil)
                }
                return
            } catch {
                closeStream()
                // 2002/2003: nothing answered at all; any other connection loss means the server was reached.
                if error.errno != 2002 && error.errno != 2003 { reached = true }
                guard reached, error.isConnectionLoss, !stopper.isStopped else {
                    throw CDCError(.io, error.description)
                }
                let giveUp = deadline ?? clock.now + .milliseconds(Int64(options.reconnectGiveUpSeconds * 1000))
                deadline = giveUp
                if clock.now + .milliseconds(Int64(delay * 1000)) > giveUp {
                    throw CDCError(
                        .io,
                        "lost the connection to \(url.endpoint) while starting the stream and could not reconnect "
                            + "within \(Int(options.reconnectGiveUpSeconds)) s (last error: \(error.description))")
                }
                let wake = clock.now + .milliseconds(Int64(delay * 1000))
                while clock.now < wake && !stopper.isStopped { usleep(50_000) }
                delay = min(delay * 2, options.maxBackoffSeconds)
                reconnects += 1
            }
        }
    }

    deinit {
        closeStream()
    }

    public var label: String { "\(url.flavor.rawValue)://\(url.endpoint) \(file)" }

    // MARK: Settings and positions

    static func checkSettings(_ connection: MySQLConnection) throws(MySQLSourceError) {
        let row = try connection.query(
            "SELECT @@global.log_bin, @@global.binlog_format, @@global.binlog_row_image"
        ).first
        let logBin = row?[0] ?? ""
        if logBin != "1" && logBin.uppercased() != "ON" {
            throw MySQLSourceError(
                "binary logging is off on \(connection.url.endpoint) (log_bin=\(logBin))",
                hint: "start the server with --log-bin (and --binlog-format=ROW --binlog-row-image=FULL)")
        }
        let format = (row?[1] ?? "").uppercased()
        if format != "ROW" {
            throw MySQLSourceError(
                "binlog_format is \(format) on \(connection.url.endpoint), binlog-sink needs ROW",
                hint: "run SET GLOBAL binlog_format=ROW (and set binlog_format=ROW in the server's configuration)")
        }
        let image = (row?[2] ?? "").uppercased()
        if image != "FULL" {
            throw MySQLSourceError(
                "binlog_row_image is \(image) on \(connection.url.endpoint), binlog-sink needs FULL",
                hint: "run SET GLOBAL binlog_row_image=FULL (and set it in the server's configuration)")
        }
    }

    /// SHOW BINARY LOGS: (name, size) in order.
    static func binaryLogs(_ connection: MySQLConnection) throws(MySQLSourceError) -> [(String, UInt64)] {
        try connection.query("SHOW BINARY LOGS").compactMap { row in
            guard let name = row.first ?? nil else { return nil }
            let size = row.count > 1 ? UInt64(row[1] ?? "") ?? 0 : 0
            return (name, size)
        }
    }

    /// The server's end position: SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL 8.4 and later).
    static func endPosition(_ connection: MySQLConnection) throws(MySQLSourceError) -> (String, UInt64) {
        var rows: [[String?]]
        do {
            rows = try connection.query("SHOW MASTER STATUS")
        } catch {
            rows = try connection.query("SHOW BINARY LOG STATUS")
        }
        guard let row = rows.first, row.count >= 2, let name = row[0], let offset = UInt64(row[1] ?? "") else {
            throw MySQLSourceError(
                "the server reports no binlog position (SHOW MASTER STATUS is empty)",
                hint: "is binary logging on? Start the server with --log-bin")
        }
        return (name, offset)
    }

    private func resolveStart(_ connection: MySQLConnection) throws(MySQLSourceError) -> (String, UInt64) {
        switch options.start {
        case .earliest:
            guard let first = try Self.binaryLogs(connection).first else {
                throw MySQLSourceError("the server has no binlogs (SHOW BINARY LOGS is empty)")
            }
            return (first.0, 4)
        case .latest:
            return try Self.endPosition(connection)
        case .position(let file, let offset):
            let logs = try Self.binaryLogs(connection)
            guard let log = logs.first(where: { $0.0 == file }) else {
                throw Self.missingBinlog(wanted: "\(file):\(offset)", logs: logs, connection: connection)
            }
            if log.1 > 0 && offset > log.1 {
                throw MySQLSourceError(
                    "--start \(file):\(offset) is past the end of \(file) (\(log.1) bytes on the server)",
                    hint: "give an event boundary within the file, or start from earliest or latest")
            }
            return (file, offset)
        case .gtid(let set):
            if connection.isMariaDB { return ("", 4) }
            let (file, excluded) = try MySQLGTIDStart.resolve(set, connection: connection)
            excludeGTIDs = excluded
            return (file, 4)
        }
    }

    static func missingBinlog(
        wanted: String, logs: [(String, UInt64)], connection: MySQLConnection
    ) -> MySQLSourceError {
        let have =
            logs.isEmpty
            ? "the server has no binlogs"
            : "the oldest binlog the server still has is \(logs[0].0) (newest \(logs[logs.count - 1].0))"
        return MySQLSourceError(
            "the binlog position \(wanted) is not on \(connection.url.endpoint) (purged, or it never existed); \(have)",
            hint: "start from earliest (--start earliest) if missing changes are acceptable, or re-snapshot the tables")
    }

    // MARK: Opening and closing the stream

    private func open(
        _ connection: MySQLConnection, file: String, offset: UInt64, gtid: String?
    ) throws(MySQLSourceError) {
        let checksum = try connection.scalar("SELECT @@global.binlog_checksum") ?? "NONE"
        checksumLength = checksum.uppercased() == "NONE" ? 0 : 4
        try connection.query("SET @master_binlog_checksum = @@global.binlog_checksum")
        try connection.query("SET @mariadb_slave_capability = 4")
        if options.heartbeatSeconds > 0 {
            let nanoseconds = UInt64(options.heartbeatSeconds * 1e9)
            try connection.query("SET @master_heartbeat_period = \(nanoseconds)")
        }
        if let gtid {
            try connection.query("SET @slave_connect_state = \(connection.literal(gtid))")
            try connection.query("SET @slave_gtid_strict_mode = 0")
            try connection.query("SET @slave_gtid_ignore_duplicates = 0")
        }
        guard stopper.attach(Int32(truncatingIfNeeded: mysql_get_socket(connection.handle))) else { return }
        guard let rpl = cshims_rpl_init(connection.handle) else {
            throw MySQLSourceError("cannot create the replication handle (out of memory?)")
        }
        self.rpl = rpl
        _ = file.withCString { cshims_rpl_set_filename(rpl, $0, strlen($0)) }
        _ = cshims_rpl_set_start(rpl, UInt(offset))
        _ = cshims_rpl_set_server_id(rpl, options.serverID)
        _ = cshims_rpl_set_flags(rpl, 0)
        if mariadb_rpl_open(rpl) != 0 {
            throw streamError("cannot start the binlog stream at \(gtid.map { "gtid:\($0)" } ?? "\(file):\(offset)")")
        }
        self.file = file
        self.nextPosition = offset
    }

    private func closeStream() {
        stopper.detach()
        if let rpl { mariadb_rpl_close(rpl) }
        rpl = nil
        connection = nil
    }

    /// The error of the stream: the connection's (where Connector/C reports server errors such as 1236) or the
    /// replication handle's.
    private func streamError(_ what: String) -> MySQLSourceError {
        if let connection, mysql_errno(connection.handle) != 0 {
            var error = connection.lastError(what)
            if error.errno == 1236 { error = explain1236(error, connection: connection) }
            return error
        }
        if let rpl, mariadb_rpl_errno(rpl) != 0 {
            let number = mariadb_rpl_errno(rpl)
            let message = String(cString: mariadb_rpl_error(rpl))
            return MySQLSourceError("\(what): \(message)", errno: number)
        }
        return MySQLSourceError("\(what): the connection ended", errno: 2013)
    }

    /// Error 1236 (the server cannot read the binlog the replica asked for): name what was wanted and what the
    /// server has. Asks on a fresh connection (the stream's is unusable after the error).
    private func explain1236(_ error: MySQLSourceError, connection: MySQLConnection) -> MySQLSourceError {
        let wanted =
            options.start == .latest || options.start == .earliest ? "\(file):\(nextPosition)" : "\(options.start)"
        let lower = error.message.lowercased()
        guard
            lower.contains("could not find") || lower.contains("purged") || lower.contains("not find first log")
                || lower.contains("gtid")
        else { return error }
        guard let fresh = try? MySQLConnection(url: url, options: connectionOptions),
            let logs = try? Self.binaryLogs(fresh)
        else { return error }
        var explained = Self.missingBinlog(wanted: wanted, logs: logs, connection: connection)
        explained.message += " (server: \(error.message))"
        explained.errno = error.errno
        explained.sqlState = error.sqlState
        return explained
    }

    // MARK: Reading

    public func nextEvent() throws(CDCError) -> SourceEvent? {
        try nextEvent(beforeWaiting: { () throws(CDCError) in try self.idleHandler?() })
    }

    /// Calls `beforeWaiting` (the parser: deliver every record it holds) before a read that may wait for the
    /// server, so records reach the sink as they are committed even when the server then goes idle.
    public func nextEvent(beforeWaiting: () throws(CDCError) -> Void) throws(CDCError) -> SourceEvent? {
        while !finished {
            if stopper.isStopped {
                finished = true
                return nil
            }
            if let end, reached(end) {
                finished = true
                return nil
            }
            guard rpl != nil, let connection else { throw CDCError(.io, "\(label): the stream is closed") }
            if !socketHasData() { try beforeWaiting() }
            // The packets are read as they are (not with mariadb_rpl_fetch, which copies each one into its event
            // before we copy it again: three copies of a 64 MiB rows event at once).
            var data: UnsafePointer<UInt8>?
            let length = cshims_read_packet(connection.handle, &data)
            // An EOF packet (0xFE, under 9 bytes) ends the stream; the server closes it after that.
            guard length != Self.packetError, let data, !(length < 9 && data.pointee == 0xFE) else {
                if stopper.isStopped { continue }  // the socket was shut down to stop the stream
                let error = streamError("reading the binlog stream from \(url.endpoint) failed")
                if error.isConnectionLoss {
                    try reconnect(after: error)
                    continue
                }
                throw CDCError(.io, "\(label): \(error.description)")
            }
            guard length > 1 + 19 else { continue }
            let packet = UnsafeRawBufferPointer(start: data, count: Int(length))
            // One OK byte, then the event as on disk.
            let header = UnsafeRawBufferPointer(rebasing: packet[1...])
            let type = header[4]
            let size = Int(Self.uint32(header, 9))
            let logPos = UInt64(Self.uint32(header, 13))
            let flags = UInt16(header[17]) | UInt16(header[18]) << 8
            guard size >= 19, size <= header.count else {
                throw CDCError(
                    .decode, "\(label): the server sent an event of \(size) bytes in a packet of \(header.count)")
            }
            let bytes = Array(header[0..<size])
            // Connector/C keeps its read buffer at the largest packet so far: give a large one's memory back.
            _ = cshims_net_shrink(connection.handle, Self.largeBuffer, Self.keptBuffer)
            switch type {
            case 4:  // ROTATE: position (8 bytes), then the next file's name
                let name = rotateName(bytes)
                let position = Self.uint64(bytes, 19)
                let artificial = logPos == 0 || flags & 0x20 != 0
                if artificial {
                    startFile(name, at: position)
                    continue
                }
                let offset = logPos - UInt64(size)
                if let delivered = deliver(bytes, type: type, offset: offset) {
                    startFile(name, at: position)
                    return delivered
                }
                startFile(name, at: position)
                continue
            case 27, 41:  // HEARTBEAT (v1, v2): the server is alive; it has sent everything before logPos
                if type == 27, let end, file == end.file || file.isEmpty, logPos >= end.offset, logPos != 0 {
                    finished = true
                    return nil
                }
                continue
            case 15:  // FORMAT_DESCRIPTION: always at 4; resent with log_pos 0 when the stream starts later
                if logPos != 0 { nextPosition = max(nextPosition, logPos) }
                return SourceEvent(bytes: bytes, offset: 4, file: file, label: label)
            default:
                if flags & 0x20 != 0 { continue }  // LOG_EVENT_ARTIFICIAL_F: not on disk
                let offset = logPos != 0 && logPos >= UInt64(size) ? logPos - UInt64(size) : nextPosition
                nextPosition = offset + UInt64(size)
                if let delivered = deliver(bytes, type: type, offset: offset) { return delivered }
            }
        }
        return nil
    }

    /// Delivers the event unless it was delivered before a reconnect (FORMAT_DESCRIPTION and TABLE_MAP events
    /// always are: the decoder needs them). Tracks where the current transaction started.
    private func deliver(_ bytes: [UInt8], type: UInt8, offset: UInt64) -> SourceEvent? {
        if let suppressThrough {
            if offset > suppressThrough {
                self.suppressThrough = nil
            } else if type != 19 {
                return nil
            }
        }
        switch type {
        case 162, 33, 34, 42:  // MariaDB GTID, MySQL GTID, anonymous GTID, tagged GTID
            transactionStart = offset
            previousWasGTID = true
        case 2:  // QUERY: BEGIN opens a transaction unless a GTID event just did
            if !previousWasGTID && Self.isBegin(bytes) { transactionStart = offset }
            previousWasGTID = false
        default:
            previousWasGTID = false
        }
        lastDelivered = max(lastDelivered ?? 0, offset)
        return SourceEvent(bytes: bytes, offset: offset, file: file, label: label)
    }

    private func startFile(_ name: String, at position: UInt64) {
        if name != file {
            transactionStart = nil
            lastDelivered = nil
            suppressThrough = nil
            previousWasGTID = false
        }
        file = name
        nextPosition = position
    }

    private func reached(_ end: (file: String, offset: UInt64)) -> Bool {
        guard !file.isEmpty else { return false }
        if file == end.file { return nextPosition >= end.offset }
        return Self.fileOrder(file, end.file) > 0
    }

    /// Orders binlog names by their numeric suffix when they share a base name (mysql-bin.000009 < mysql-bin.000010).
    static func fileOrder(_ a: String, _ b: String) -> Int {
        func split(_ name: String) -> (Substring, Int?) {
            guard let dot = name.lastIndex(of: ".") else { return (Substring(name), nil) }
            return (name[..<dot], Int(name[name.index(after: dot)...]))
        }
        let (baseA, numberA) = split(a)
        let (baseB, numberB) = split(b)
        if baseA == baseB, let numberA, let numberB { return numberA < numberB ? -1 : numberA == numberB ? 0 : 1 }
        return a < b ? -1 : a == b ? 0 : 1
    }

    private func socketHasData() -> Bool {
        guard let connection else { return false }
        var descriptor = pollfd(
            fd: Int32(truncatingIfNeeded: mysql_get_socket(connection.handle)), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    private func rotateName(_ bytes: [UInt8]) -> String {
        let start = 19 + 8
        let stop = bytes.count - checksumLength
        guard stop > start else { return "" }
        return String(decoding: bytes[start..<stop], as: UTF8.self)
    }

    static func isBegin(_ bytes: [UInt8]) -> Bool {
        // Query post-header: thread id 4, exec time 4, db length 1, error 2, status vars length 2.
        guard bytes.count > 19 + 13 else { return false }
        let dbLength = Int(bytes[19 + 8])
        let statusLength = Int(bytes[19 + 11]) | Int(bytes[19 + 12]) << 8
        let start = 19 + 13 + statusLength + dbLength + 1
        guard start + 5 <= bytes.count else { return false }
        return bytes[start..<start + 5].elementsEqual("BEGIN".utf8)
    }

    /// Connector/C's `packet_error`.
    static let packetError = UInt(UInt32.max)
    /// The read buffer is shrunk to `keptBuffer` bytes after a packet made it larger than `largeBuffer`.
    static let largeBuffer = 4 << 20
    static let keptBuffer = 1 << 20

    static func uint32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    static func uint64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        guard at + 8 <= bytes.count else { return 4 }
        var value: UInt64 = 0
        for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[at + index]) }
        return value
    }

    // MARK: Reconnecting

    private func reconnect(after error: MySQLSourceError) throws(CDCError) {
        let resumeFile = file
        let resumeOffset = transactionStart ?? nextPosition
        let delivered = lastDelivered
        closeStream()
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(options.reconnectGiveUpSeconds * 1000))
        var delay = options.initialBackoffSeconds
        var lastError = error
        log?(
            "lost the connection to \(url.endpoint) (\(error.description)); reconnecting to resume at \(resumeFile):\(resumeOffset)"
        )
        while true {
            if clock.now + .milliseconds(Int64(delay * 1000)) > deadline {
                throw CDCError(
                    .io,
                    "\(label): lost the connection to \(url.endpoint) and could not reconnect within "
                        + "\(Int(options.reconnectGiveUpSeconds)) s (last error: \(lastError.description)); "
                        + "restart with --start \(resumeFile):\(resumeOffset) once the server is back")
            }
            // Slept in slices, so a stop request ends the wait.
            let wake = clock.now + .milliseconds(Int64(delay * 1000))
            while clock.now < wake && !stopper.isStopped { usleep(50_000) }
            if stopper.isStopped { return }
            do {
                let connection = try MySQLConnection(url: url, options: connectionOptions)
                self.connection = connection
                try open(connection, file: resumeFile, offset: resumeOffset, gtid: nil)
                reconnects += 1
                lastDelivered = delivered
                suppressThrough = delivered
                log?("reconnected to \(url.endpoint) at \(resumeFile):\(resumeOffset)")
                return
            } catch {
                closeStream()
                if stopper.isStopped { return }
                guard !error.isTLSRefusal, error.isConnectionLoss || error.errno == 0 else {
                    throw CDCError(.io, "\(label): reconnecting failed: \(error.description)")
                }
                lastError = error
                delay = min(delay * 2, options.maxBackoffSeconds)
            }
        }
    }
}

/// Stops a `ReplicationStream` from any thread: marks it stopped and shuts its socket down, so a read blocked in
/// `mariadb_rpl_fetch` returns at once instead of after the next heartbeat. The socket is recorded under a lock, and
/// the stream forgets it (under the same lock) before closing it, so a stop never shuts down a reused descriptor.
public final class ReplicationStreamStopper: Sendable {
    private let state = Mutex<(stopped: Bool, socket: Int32)>((false, -1))

    public init() {}

    public var isStopped: Bool { state.withLock { $0.stopped } }

    public func stop() {
        state.withLock { state in
            state.stopped = true
            if state.socket >= 0 { _ = shutdown(state.socket, Int32(SHUT_RDWR)) }
        }
    }

    /// Records the socket of a new connection; false when a stop came first (the socket is then shut down).
    func attach(_ socket: Int32) -> Bool {
        state.withLock { state in
            state.socket = socket
            if state.stopped, socket >= 0 { _ = shutdown(socket, Int32(SHUT_RDWR)) }
            return !state.stopped
        }
    }

    func detach() { state.withLock { $0.socket = -1 } }
}
