/// A decoded binlog event: its header, where it is, and its content.
public struct BinlogEvent: Sendable {
    public var header: EventHeader
    /// Byte offset of the event in its file (for events inside a compressed transaction: the payload event's).
    public var offset: UInt64
    /// True for events that came out of a TRANSACTION_PAYLOAD_EVENT.
    public var inPayload: Bool
    public var body: Body

    public enum Body: Sendable {
        case formatDescription(FormatDescription)
        case rotate(nextFile: String, position: UInt64)
        case stop
        case query(QueryEvent)
        case xid(UInt64)
        case tableMap(TableMap)
        case rows(RowsEvent)
        case mysqlGTID(MySQLGTIDEvent)
        case previousGTIDs(GTIDSet)
        case mariaGTID(MariaGTIDEvent)
        case mariaGTIDList(MariaGTIDList)
        case mariaBinlogCheckpoint(file: String)
        /// MariaDB ANNOTATE_ROWS or MySQL ROWS_QUERY: the statement that produced the following rows events, as
        /// a range of the event's bytes (statements can be megabytes: decoded to text only when wanted).
        case rowsQuery(Range<Int>)
        /// The inner events follow: read them with `EventDecoder.payloadEvents`.
        case transactionPayload(TransactionPayloadHeader)
        case heartbeat
        case incident(code: UInt16, message: String)
        case intvar(kind: UInt8, value: UInt64)
        case rand(seed1: UInt64, seed2: UInt64)
        case userVar(name: String)
        /// An event this decoder does not interpret (or an unknown type): skipped, header kept.
        case other
    }
}
