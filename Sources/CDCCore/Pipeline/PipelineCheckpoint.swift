/// How far the records handed to the sink reach in the binlog: once the sink has flushed them, the position a
/// restart resumes from without losing a record.
public struct PipelineCheckpoint: Sendable, Equatable {
    /// A transaction of which some records were handed over, but not its end.
    public struct OpenTransaction: Sendable, Equatable {
        /// Its first event (GTID or BEGIN): a restart reads from here…
        public var start: SchemaPosition
        /// …and skips this many of its records.
        public var records: UInt64

        public init(start: SchemaPosition, records: UInt64) {
            self.start = start
            self.records = records
        }
    }

    /// Right after the last complete transaction (or event outside a transaction); nil before the first.
    public var next: SchemaPosition?
    /// The GTID of the last complete transaction, when it had one.
    public var gtid: String?
    public var transaction: OpenTransaction?

    public init(next: SchemaPosition? = nil, gtid: String? = nil, transaction: OpenTransaction? = nil) {
        self.next = next
        self.gtid = gtid
        self.transaction = transaction
    }

    /// Where a restart reads from.
    public var resumePosition: SchemaPosition? { transaction?.start ?? next }
}
