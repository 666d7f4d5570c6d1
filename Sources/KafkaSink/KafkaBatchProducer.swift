import CDCCore

/// The Kafka sink's work on its producer thread: turns record batches into messages, and with
/// `--kafka-transactions` wraps them in Kafka transactions that end on source-transaction boundaries, each
/// committing a `KafkaCheckpoint` with its records.
///
/// Exactly-once: records after the last source commit seen are held back (not produced) until their transaction's
/// commit arrives, so a Kafka transaction holds whole source transactions. A source transaction larger than
/// `Transactions.maxHeldBytes` is streamed instead: the Kafka transaction holding the complete ones before it is committed
/// first, and the large one is produced into the next, which commits at the first flush after its end. Records at
/// or before the checkpoint a restart read from the checkpoint topic (`resumeAfter`) are not produced again.
final class KafkaBatchProducer {
    let configuration: KafkaSinkConfiguration
    let producer: KafkaProducer
    /// Topic handle and name per table, cached by database and table name.
    private var topics: [String: (handle: OpaquePointer, name: String)] = [:]
    /// The `position` and `key` headers of the current record (`file:pos` then `:row`).
    private var header: [UInt8] = []

    // Exactly-once state (unused without transactions).
    private var resumeAfter: KafkaCheckpoint?
    private var checkpointTopic: OpaquePointer?
    private var transactionOpen = false
    private var recordsInTransaction = 0
    /// The last record produced, and the end of the last complete source transaction seen.
    private var last: (file: String, position: UInt64, row: Int)?
    private var lastCommit: (next: String, gtid: String?)?
    private var held: [(batch: RecordBatch, records: Range<Int>)] = []
    private var heldBytes = 0
    /// Producing a large source transaction as it comes (not held).
    private var streaming = false
    /// The checkpoint of the last committed Kafka transaction.
    private(set) var committed: KafkaCheckpoint?

    init(configuration: KafkaSinkConfiguration, producer: KafkaProducer, resumeAfter: KafkaCheckpoint?) {
        self.configuration = configuration
        self.producer = producer
        self.resumeAfter = resumeAfter
        self.committed = resumeAfter
        header.reserveCapacity(256)
    }

    var transactional: Bool { configuration.transactions != nil }

    func write(_ batch: RecordBatch) throws(CDCError) {
        guard transactional else {
            try produce(batch, 0..<batch.records.count)
            producer.poll(timeoutMilliseconds: 0)
            if let failure = producer.failure { throw failure }
            return
        }
        var start = 0
        if let resume = resumeAfter {
            while start < batch.records.count {
                let record = batch.records[start]
                guard resume.covers(file: batch.origins[record.origin].file, position: record.position, row: record.row)
                else {
                    resumeAfter = nil
                    break
                }
                start += 1
            }
        }
        let count = batch.records.count
        if let commit = batch.commits.last {
            lastCommit = ("\(commit.next.file):\(commit.next.offset)", commit.gtid ?? lastCommit?.gtid)
            let end = max(start, min(commit.recordsBefore, count))
            if !held.isEmpty || end > start { try beginIfNeeded() }
            try produceHeld()
            try produce(batch, start..<end)
            streaming = false
            start = end
        }
        if start < count {
            if streaming {
                try produce(batch, start..<count)
            } else {
                held.append((batch, start..<count))
                heldBytes += batch.values.count
                if heldBytes > configuration.transactions?.maxHeldBytes ?? Int.max {
                    // A large source transaction: commit the complete ones before it, then stream it.
                    try commitTransaction()
                    try beginIfNeeded()
                    try produceHeld()
                    streaming = true
                }
            }
        }
        producer.poll(timeoutMilliseconds: 0)
        if let failure = producer.failure { throw failure }
    }

    /// Without transactions: every message produced so far is acknowledged. With them: the Kafka transaction
    /// holding the complete source transactions so far is committed (records held back, and a large source
    /// transaction being streamed, wait for their source commit).
    func flush() throws(CDCError) {
        guard transactional else {
            try producer.flush()
            return
        }
        if !streaming { try commitTransaction() }
        if let failure = producer.failure { throw failure }
    }

    // MARK: -

    private func beginIfNeeded() throws(CDCError) {
        guard !transactionOpen else { return }
        try producer.beginTransaction()
        transactionOpen = true
        recordsInTransaction = 0
    }

    /// Produces the checkpoint message and commits the open transaction (nothing when none is open).
    ///
    /// The checkpoint message is produced only once every record of the transaction is acknowledged. A broker that
    /// hides aborted transactions from read_committed consumers does not need this; one that does not (Tansu, the
    /// mock cluster) would otherwise let a restart read the checkpoint of a transaction a kill left open, whose
    /// checkpoint reached the broker before some of its records (they go to other partitions, other brokers), and
    /// resume after records that never arrived.
    private func commitTransaction() throws(CDCError) {
        guard transactionOpen, let transactions = configuration.transactions else { return }
        var checkpoint: KafkaCheckpoint?
        if recordsInTransaction > 0, let last {
            try producer.flush()
            let value = KafkaCheckpoint(
                file: last.file, position: last.position, row: last.row, next: lastCommit?.next, gtid: lastCommit?.gtid)
            checkpoint = value
            let topic = try checkpointTopicHandle(transactions.checkpointTopic)
            try producer.produce(
                topic: topic, topicName: transactions.checkpointTopic,
                value: value.value(transactionalID: transactions.transactionalID),
                key: Array(transactions.transactionalID.utf8), headers: value.headers)
        }
        try producer.commitTransaction()
        transactionOpen = false
        if let checkpoint { committed = checkpoint }
    }

    private func checkpointTopicHandle(_ name: String) throws(CDCError) -> OpaquePointer {
        if let checkpointTopic { return checkpointTopic }
        let handle = try producer.topic(name)
        checkpointTopic = handle
        return handle
    }

    private func produceHeld() throws(CDCError) {
        let pending = held
        held.removeAll()
        heldBytes = 0
        for (batch, records) in pending {
            try produce(batch, records)
        }
    }

    /// Produces the batch's records in `range` (with their tombstones).
    private func produce(_ batch: RecordBatch, _ range: Range<Int>) throws(CDCError) {
        guard !range.isEmpty else { return }
        var batchTopics = [(handle: OpaquePointer, name: String)?](repeating: nil, count: batch.tables.count)
        // The file names and GTIDs of the batch's origins, as bytes.
        var files = [[UInt8]?](repeating: nil, count: batch.origins.count)
        var gtids = [[UInt8]?](repeating: nil, count: batch.origins.count)
        let tombstones = configuration.tombstones
        // Array.withUnsafeBytes rethrows untyped errors: the typed one is carried out by hand.
        var failure: CDCError?
        batch.keys.withUnsafeBytes { keys in
            batch.values.withUnsafeBytes { values in
                do throws(CDCError) {
                    for index in range {
                        let record = batch.records[index]
                        let topic: (handle: OpaquePointer, name: String)
                        if let known = batchTopics[record.table] {
                            topic = known
                        } else {
                            topic = try self.topic(batch.tables[record.table])
                            batchTopics[record.table] = topic
                        }
                        if files[record.origin] == nil {
                            files[record.origin] = Array(batch.origins[record.origin].file.utf8)
                            gtids[record.origin] = batch.origins[record.origin].gtid.map { Array($0.utf8) }
                        }
                        let positionCount = makeHeader(files[record.origin] ?? [], record)
                        let key = record.key.isEmpty ? nil : UnsafeRawBufferPointer(rebasing: keys[record.key])
                        let value = UnsafeRawBufferPointer(rebasing: values[record.value])
                        try send(
                            topic, value: value, key: key, op: Self.name(record),
                            positionCount: positionCount, gtid: gtids[record.origin],
                            table: batch.tables[record.table])
                        if tombstones && record.marker == nil && record.operation == .delete {
                            try send(
                                topic, value: nil, key: key, op: "tombstone", positionCount: positionCount,
                                gtid: gtids[record.origin])
                        }
                    }
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        if transactional, let record = batch.records[range].last {
            last = (batch.origins[record.origin].file, record.position, record.row)
            recordsInTransaction += range.count
        }
    }

    private func send(
        _ topic: (handle: OpaquePointer, name: String), value: UnsafeRawBufferPointer?,
        key: UnsafeRawBufferPointer?, op: StaticString, positionCount: Int, gtid: [UInt8]?,
        table: RecordBatch.Table? = nil
    ) throws(CDCError) {
        let header = self.header
        let gtidBytes = gtid ?? []
        var failure: CDCError?
        header.withUnsafeBytes { header in
            gtidBytes.withUnsafeBytes { gtidBuffer in
                do throws(CDCError) {
                    try producer.produce(
                        topic: topic.handle, topicName: topic.name, value: value, key: key, op: op, header: header,
                        positionCount: positionCount, gtid: gtid == nil ? nil : gtidBuffer,
                        table: { table.map { "\($0.database).\($0.table)" } ?? "" })
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
    }

    /// Writes `file:pos:row` into `header`; returns the length of its `file:pos` prefix (the `position` header).
    private func makeHeader(_ file: [UInt8], _ record: RecordBatch.Record) -> Int {
        header.removeAll(keepingCapacity: true)
        header.append(contentsOf: file)
        header.append(UInt8(ascii: ":"))
        Self.appendDecimal(record.position, to: &header)
        let positionCount = header.count
        header.append(UInt8(ascii: ":"))
        switch record.marker {
        case nil: Self.appendDecimal(UInt64(max(0, record.row)), to: &header)
        case .begin: header.append(contentsOf: "begin".utf8)
        case .end: header.append(contentsOf: "end".utf8)
        }
        return positionCount
    }

    private static func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
    }

    private func topic(_ table: RecordBatch.Table) throws(CDCError) -> (handle: OpaquePointer, name: String) {
        let id = "\(table.database)\u{0}\(table.table)"
        if let known = topics[id] { return known }
        let name = try configuration.topics.topic(database: table.database, table: table.table)
        let topic = (handle: try producer.topic(name), name: name)
        topics[id] = topic
        return topic
    }

    /// The `op` header: the record format's names, `begin`/`end` for transaction markers.
    static func name(_ record: RecordBatch.Record) -> StaticString {
        switch record.marker {
        case .begin: return "begin"
        case .end: return "end"
        case nil: break
        }
        switch record.operation {
        case .insert: return "insert"
        case .update: return "update"
        case .delete: return "delete"
        case .read: return "read"
        }
    }
}
