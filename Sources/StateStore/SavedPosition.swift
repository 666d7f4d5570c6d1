/// The checkpoint: where reading resumes after a restart.
///
/// `binlog` (and/or `gtidSet`) is the position after the last transaction whose records were all acknowledged.
/// When a transaction was only partly acknowledged, `transaction` says where it starts and how many of its records
/// were delivered: a restart reads from `transaction.start` and skips that many records instead of replaying the
/// whole transaction.
public struct SavedPosition: Sendable, Equatable {
    /// A checkpoint inside a transaction.
    public struct TransactionCheckpoint: Sendable, Equatable {
        /// The position of the transaction's first event (its GTID or BEGIN event).
        public var start: BinlogFilePosition
        /// Records of this transaction already acknowledged by the sink.
        public var recordsDelivered: UInt64
        /// The table filter those records were counted under (`TableFilter.description`); nil when saved by a
        /// release that did not record it. Under another filter the count means other records: the transaction
        /// is then replayed whole.
        public var filter: String?

        public init(start: BinlogFilePosition, recordsDelivered: UInt64, filter: String? = nil) {
            self.start = start
            self.recordsDelivered = recordsDelivered
            self.filter = filter
        }
    }

    /// File and offset to resume from; nil when only a GTID set is known (after `position set --gtid`).
    public var binlog: BinlogFilePosition?
    /// The executed GTID set as the server prints it (MySQL `uuid:1-5,…` or MariaDB `0-1-100,…`).
    public var gtidSet: String?
    /// The source server's `server_id` and (MySQL) `server_uuid`, to notice a state reused against another server.
    public var serverID: UInt32?
    public var serverUUID: String?
    public var transaction: TransactionCheckpoint?
    /// When the position was saved, in milliseconds since the Unix epoch (set by the store on save).
    public var updatedAtMilliseconds: Int64

    public init(
        binlog: BinlogFilePosition?, gtidSet: String? = nil, serverID: UInt32? = nil, serverUUID: String? = nil,
        transaction: TransactionCheckpoint? = nil, updatedAtMilliseconds: Int64 = 0
    ) {
        self.binlog = binlog
        self.gtidSet = gtidSet
        self.serverID = serverID
        self.serverUUID = serverUUID
        self.transaction = transaction
        self.updatedAtMilliseconds = updatedAtMilliseconds
    }

    /// The earliest binlog position a restart from here reads: schema history must cover it.
    public var earliestNeeded: BinlogFilePosition? {
        switch (binlog, transaction?.start) {
        case (let binlog?, let start?): return min(binlog, start)
        case (let binlog, let start): return binlog ?? start
        }
    }
}
