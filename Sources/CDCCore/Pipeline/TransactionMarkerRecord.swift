/// What a transaction marker record says (`--transaction-markers`, docs/record-format.md): a BEGIN before the first
/// record of a source transaction, an END after its last, modelled on Debezium's transaction metadata.
public struct TransactionMarkerRecord: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case begin, end
    }

    /// Records of one table in the transaction (Debezium's `data_collections` entries).
    public struct DataCollection: Sendable, Equatable {
        /// `db.table`.
        public var name: String
        public var eventCount: UInt64

        public init(name: String, eventCount: UInt64) {
            self.name = name
            self.eventCount = eventCount
        }
    }

    /// The pseudo-table markers belong to: per-table destinations (files, topics, streams) get them in its
    /// destination (`binlog_sink.transactions`: `DIR/binlog_sink.transactions.jsonl`, topic
    /// `cdc.binlog_sink.transactions`, stream `cdc:binlog_sink:transactions`).
    public static let database = "binlog_sink"
    public static let table = "transactions"

    public var status: Status
    /// The transaction's GTID, else `file:pos` of its first event: Debezium's transaction `id`.
    public var id: String
    public var gtid: String?
    /// The transaction's first event (GTID or BEGIN): where a restart of this transaction reads from.
    public var start: SchemaPosition
    /// END: the position right after the commit.
    public var next: SchemaPosition?
    /// Seconds since the epoch: BEGIN the first event's, END the commit event's.
    public var timestamp: UInt32
    /// END: the transaction's records, counted from its start (also those a resumed run skipped).
    public var eventCount: UInt64
    /// END: per table, in order of first appearance.
    public var dataCollections: [DataCollection]

    public init(
        status: Status, gtid: String?, start: SchemaPosition, next: SchemaPosition? = nil, timestamp: UInt32,
        eventCount: UInt64 = 0, dataCollections: [DataCollection] = []
    ) {
        self.status = status
        self.id = gtid ?? "\(start.file):\(start.offset)"
        self.gtid = gtid
        self.start = start
        self.next = next
        self.timestamp = timestamp
        self.eventCount = eventCount
        self.dataCollections = dataCollections
    }
}
