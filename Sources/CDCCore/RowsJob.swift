import BinlogDecoder

/// One rows event to decode and render, with everything it needs, so it can run on another thread.
struct RowsJob: @unchecked Sendable {
    let event: RowsEvent
    /// Read-only while jobs run (its counters are updated by the thread that owns the parser).
    let info: TableRenderInfo
    let operation: RecordRenderer.Operation
    let isMariaDB: Bool
    var source: RecordRenderer.Source
    /// The record's file and GTID as sinks see them.
    let origin: RecordBatch.Origin
    /// Where errors point.
    let offset: UInt64
    let eventType: UInt8
    let path: String
    /// Checks a CRC32 the decoder left to this job (`RowsEvent.checksumPending`).
    let crc32: @Sendable (UnsafeRawBufferPointer) -> UInt32
    /// Set when the job already ran on the parser's thread (order-dependent state): its records, copied in order.
    var prerendered: PrerenderedRecords?

    /// Decodes (and unless `decodeOnly`, encodes) every row into `out`; returns the error that stopped it.
    /// `info` is the table's render info as this thread holds it (see `RenderBatch.run`).
    func run(
        into out: inout RenderedRecords, before: inout [ColumnValue], after: inout [ColumnValue],
        decodeOnly: Bool, documents: JSONDocumentCache?, info: TableRenderInfo, encoder: any RecordEncoder,
        keys: Bool, table: Int, origin: Int
    ) -> CDCError? {
        let separator = encoder.separator
        do {
            try event.verifyChecksum(crc32)
            var cursor = try RowCursor(
                event: event, columns: info.map.columns, isMariaDB: isMariaDB,
                documents: documents, tableName: info.qualifiedName)
            var source = self.source
            let base = source.row
            var count = 0
            while try cursor.next(before: &before, after: &after) {
                if !decodeOnly {
                    source.row = base + count
                    let beforeImage = event.kind == .write ? nil : before
                    let afterImage = event.kind == .delete ? nil : after
                    let valueStart = out.values.count
                    try encoder.appendValue(
                        operation, table: info, before: beforeImage, after: afterImage,
                        bytes: event.bytes, side: cursor.sideBytes, source: source, into: &out.values)
                    let valueEnd = out.values.count
                    out.values.append(contentsOf: separator)
                    let keyStart = out.keys.count
                    if keys, let image = afterImage ?? beforeImage {
                        try encoder.appendKey(
                            table: info, image: image, bytes: event.bytes, side: cursor.sideBytes, into: &out.keys)
                    }
                    out.records.append(
                        RecordBatch.Record(
                            value: valueStart..<valueEnd, key: keyStart..<out.keys.count, table: table,
                            operation: operation, origin: origin, position: self.source.position, row: source.row))
                }
                count += 1
            }
            out.rows += count
        } catch {
            return CDCError.decode(error.at(offset: offset, eventType: eventType), file: path)
        }
        return nil
    }
}

/// A job's records rendered on the parser's thread, to be copied into its batch in order.
struct PrerenderedRecords {
    var values: [UInt8]
    var keys: [UInt8]
    var records: [RecordBatch.Record]
    var rows: Int
}

/// Records rendered into one pair of buffers.
struct RenderedRecords: ~Copyable {
    var values: OutputBuffer
    var keys: OutputBuffer
    var records: [RecordBatch.Record] = []
    /// Rows decoded (equals records.count unless decode-only).
    var rows = 0

    init(capacity: Int) {
        values = OutputBuffer(capacity: capacity)
        keys = OutputBuffer(capacity: 64)
    }
}

/// Where a source transaction starts and ends between the jobs of a batch.
enum TransactionMarker: Sendable {
    /// A transaction's first event (GTID or BEGIN) at this position, its GTID when known, the event's timestamp.
    case begin(SchemaPosition, gtid: String?, timestamp: UInt32)
    /// Everything up to `next` is complete (a commit, or an event outside any transaction): a restart resumes there.
    case commit(next: SchemaPosition, gtid: String?, timestamp: UInt32)
}

/// Jobs rendered together by one worker into one buffer; written out in submission order.
final class RenderBatch: @unchecked Sendable {
    var jobs: [RowsJob] = []
    /// Per job, what the hand-over needs once the batch is rendered. `run` releases the jobs (and with them the
    /// rows events' bytes) when it ends, so a large event (a 64 MiB BLOB) is not kept while the sink writes.
    private(set) var rendered: [(info: TableRenderInfo, operation: RecordRenderer.Operation)] = []
    /// Markers placed before the job at the given index (index == jobs.count: after the last job).
    var markers: [(job: Int, marker: TransactionMarker)] = []
    var inputBytes = 0
    var output = RenderedRecords(capacity: 1 << 20)
    /// Rows per job, once run.
    var rows: [Int] = []
    /// Records per job, once run (equals rows unless decode-only).
    var recordCounts: [Int] = []
    var tables: [RecordBatch.Table] = []
    var origins: [RecordBatch.Origin] = []
    var error: CDCError?
    let done = DispatchSignal()
    let decodeOnly: Bool
    let encoder: any RecordEncoder
    let keys: Bool

    init(decodeOnly: Bool, encoder: any RecordEncoder, keys: Bool) {
        self.decodeOnly = decodeOnly
        self.encoder = encoder
        self.keys = keys
    }

    func run() {
        defer {
            rendered = jobs.map { ($0.info, $0.operation) }
            jobs = []
        }
        var before: [ColumnValue] = []
        var after: [ColumnValue] = []
        // Each worker renders with its own copies of the tables' render infos: objects shared between threads
        // would have their reference counts bounced between the cores on every value.
        var infos: [ObjectIdentifier: (info: TableRenderInfo, table: Int)] = [:]
        rows.reserveCapacity(jobs.count)
        recordCounts.reserveCapacity(jobs.count)
        for job in jobs {
            let key = ObjectIdentifier(job.info)
            let entry: (info: TableRenderInfo, table: Int)
            if let known = infos[key] {
                entry = known
            } else {
                entry = (job.info.copy(), tables.count)
                tables.append(
                    RecordBatch.Table(
                        database: job.info.map.database, table: job.info.map.table,
                        primaryKey: job.info.map.primaryKey.compactMap {
                            $0 < job.info.map.columns.count ? job.info.map.columns[$0].name : nil
                        }))
                infos[key] = entry
            }
            if origins.last != job.origin { origins.append(job.origin) }
            let origin = origins.count - 1
            let recordsBefore = output.records.count
            if let prerendered = job.prerendered {
                let valueBase = output.values.count
                let keyBase = output.keys.count
                output.values.append(contentsOf: prerendered.values)
                output.keys.append(contentsOf: prerendered.keys)
                for var record in prerendered.records {
                    record.value = (record.value.lowerBound + valueBase)..<(record.value.upperBound + valueBase)
                    record.key = (record.key.lowerBound + keyBase)..<(record.key.upperBound + keyBase)
                    record.table = entry.table
                    record.origin = origin
                    output.records.append(record)
                }
                rows.append(prerendered.rows)
                output.rows += prerendered.rows
                recordCounts.append(output.records.count - recordsBefore)
                continue
            }
            let rowsBefore = output.rows
            let failure = job.run(
                into: &output, before: &before, after: &after, decodeOnly: decodeOnly, documents: nil,
                info: entry.info, encoder: encoder, keys: keys, table: entry.table, origin: origin)
            rows.append(output.rows - rowsBefore)
            recordCounts.append(output.records.count - recordsBefore)
            if let failure {
                error = failure
                return
            }
        }
    }
}
