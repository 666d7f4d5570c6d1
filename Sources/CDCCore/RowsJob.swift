import BinlogDecoder

/// One rows event to decode and render, with everything it needs, so it can run on another thread.
struct RowsJob: @unchecked Sendable {
    let event: RowsEvent
    /// Read-only while jobs run (its counters are updated by the thread that owns the parser).
    let info: TableRenderInfo
    let operation: RecordRenderer.Operation
    let isMariaDB: Bool
    var source: RecordRenderer.Source
    /// Where errors point.
    let offset: UInt64
    let eventType: UInt8
    let path: String
    /// Checks a CRC32 the decoder left to this job (`RowsEvent.checksumPending`).
    let crc32: @Sendable (UnsafeRawBufferPointer) -> UInt32
    /// Set when the job already ran on the parser's thread (order-dependent state): its output, copied in order.
    var prerendered: [UInt8]?
    var prerenderedCount = 0

    /// Decodes (and unless `decodeOnly`, renders) every row; returns the rows done and the error that stopped it.
    /// `info` is the table's render info as this thread holds it (see `RenderBatch.run`).
    func run(
        into out: inout OutputBuffer, before: inout [ColumnValue], after: inout [ColumnValue],
        decodeOnly: Bool, documents: JSONDocumentCache?, info: TableRenderInfo
    ) -> (rows: Int, error: CDCError?) {
        let renderer = RecordRenderer()
        var count = 0
        do {
            try event.verifyChecksum(crc32)
            var cursor = try RowCursor(
                event: event, columns: info.map.columns, isMariaDB: isMariaDB,
                documents: documents, tableName: info.qualifiedName)
            var source = self.source
            let base = source.row
            while try cursor.next(before: &before, after: &after) {
                if !decodeOnly {
                    source.row = base + count
                    try renderer.append(
                        operation, table: info,
                        before: event.kind == .write ? nil : before,
                        after: event.kind == .delete ? nil : after,
                        bytes: event.bytes, side: cursor.sideBytes, source: source, into: &out)
                }
                count += 1
            }
        } catch {
            return (count, CDCError.decode(error.at(offset: offset, eventType: eventType), file: path))
        }
        return (count, nil)
    }
}

/// Jobs rendered together by one worker into one buffer; written out in submission order.
final class RenderBatch: @unchecked Sendable {
    var jobs: [RowsJob] = []
    var inputBytes = 0
    var output = OutputBuffer(capacity: 1 << 20)
    /// Rows per job, once run.
    var rows: [Int] = []
    var error: CDCError?
    let done = DispatchSignal()
    let decodeOnly: Bool

    init(decodeOnly: Bool) { self.decodeOnly = decodeOnly }

    func run() {
        var before: [ColumnValue] = []
        var after: [ColumnValue] = []
        // Each worker renders with its own copies of the tables' render infos: objects shared between threads
        // would have their reference counts bounced between the cores on every value.
        var infos: [ObjectIdentifier: TableRenderInfo] = [:]
        rows.reserveCapacity(jobs.count)
        for job in jobs {
            if let prerendered = job.prerendered {
                output.append(contentsOf: prerendered)
                rows.append(job.prerenderedCount)
                continue
            }
            let key = ObjectIdentifier(job.info)
            let info = infos[key] ?? TableRenderInfo(map: job.info.map)
            infos[key] = info
            let (count, failure) = job.run(
                into: &output, before: &before, after: &after,
                decodeOnly: decodeOnly, documents: nil, info: info)
            rows.append(count)
            if let failure {
                error = failure
                return
            }
        }
    }
}
