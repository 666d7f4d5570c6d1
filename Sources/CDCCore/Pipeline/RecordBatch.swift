/// An ordered run of encoded change records, handed to a sink in binlog order.
///
/// The pipeline renders records on worker threads into one contiguous buffer per batch; a sink reads each record's
/// bytes by range. Batches are immutable once handed to a sink and a sink may keep them until they are acknowledged.
public final class RecordBatch: @unchecked Sendable {
    /// One change record.
    public struct Record: Sendable {
        /// The encoded record (JSON object, Debezium envelope, or Confluent-framed Avro) in `values`, without the
        /// line separator that line formats put after it.
        public var value: Range<Int>
        /// The encoded message key in `keys`: the primary-key columns (the whole row when the table has none),
        /// from the after image (before image for deletes). Empty unless the sink asked for keys.
        public var key: Range<Int>
        /// Index into `tables`.
        public var table: Int
        public var operation: RecordRenderer.Operation
        /// Set for a transaction marker record (`--transaction-markers`): then `value` and `key` are the marker's,
        /// `table` is the markers' pseudo-table (`TransactionMarkerRecord.table`), `origin` names the transaction's
        /// first event's file and its GTID, `position` that event's offset, and `operation` means nothing.
        public var marker: TransactionMarkerRecord.Status?
        /// Index into `origins`: the record's binlog file and transaction GTID.
        public var origin: Int
        /// Offset of the rows event in its file, and the row's index in it (`source.pos`, `source.row`).
        public var position: UInt64
        public var row: Int

        public init(
            value: Range<Int>, key: Range<Int>, table: Int, operation: RecordRenderer.Operation, origin: Int,
            position: UInt64, row: Int, marker: TransactionMarkerRecord.Status? = nil
        ) {
            self.value = value
            self.key = key
            self.table = table
            self.operation = operation
            self.marker = marker
            self.origin = origin
            self.position = position
            self.row = row
        }
    }

    /// A captured table as records name it.
    public struct Table: Sendable, Equatable {
        public var database: String
        public var table: String
        /// Names of the primary-key columns (empty when the table has none or they are unknown).
        public var primaryKey: [String]

        public init(database: String, table: String, primaryKey: [String]) {
            self.database = database
            self.table = table
            self.primaryKey = primaryKey
        }
    }

    /// Where a run of records comes from.
    public struct Origin: Sendable, Equatable {
        /// The binlog file's base name.
        public var file: String
        /// The transaction's GTID (MariaDB `0-1-42`, MySQL `uuid:gno`), nil when it has none.
        public var gtid: String?

        public init(file: String, gtid: String?) {
            self.file = file
            self.gtid = gtid
        }
    }

    /// A source transaction that committed inside this batch.
    public struct Commit: Sendable, Equatable {
        /// The number of this batch's records that come before the commit (records `0..<recordsBefore`; the
        /// transaction's records are the last ones of them, possibly starting in an earlier batch).
        public var recordsBefore: Int
        /// The binlog position right after the transaction: where a restart would resume.
        public var next: SchemaPosition
        public var gtid: String?

        public init(recordsBefore: Int, next: SchemaPosition, gtid: String?) {
            self.recordsBefore = recordsBefore
            self.next = next
            self.gtid = gtid
        }
    }

    public var values: [UInt8]
    public var keys: [UInt8]
    public var records: [Record]
    public var tables: [Table]
    public var origins: [Origin]
    public var commits: [Commit]

    public init(
        values: [UInt8] = [], keys: [UInt8] = [], records: [Record] = [], tables: [Table] = [],
        origins: [Origin] = [], commits: [Commit] = []
    ) {
        self.values = values
        self.keys = keys
        self.records = records
        self.tables = tables
        self.origins = origins
        self.commits = commits
    }

    public var isEmpty: Bool { records.isEmpty && commits.isEmpty }

    /// The record's value bytes.
    @inlinable
    public func value(_ record: Record) -> ArraySlice<UInt8> { values[record.value] }

    /// The record's key bytes.
    @inlinable
    public func key(_ record: Record) -> ArraySlice<UInt8> { keys[record.key] }

    /// The de-duplication key every record format carries: `file:pos:row`; for a transaction marker
    /// `file:pos:begin` or `file:pos:end` (the transaction's first event).
    public func dedupKey(_ record: Record) -> String {
        switch record.marker {
        case nil: "\(origins[record.origin].file):\(record.position):\(record.row)"
        case .begin: "\(origins[record.origin].file):\(record.position):begin"
        case .end: "\(origins[record.origin].file):\(record.position):end"
        }
    }
}
