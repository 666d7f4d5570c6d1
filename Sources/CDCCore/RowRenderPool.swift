import BinlogDecoder
import Dispatch

/// Renders rows events on worker threads while the parser's thread keeps reading and decoding events, and hands
/// the records to the sink strictly in binlog order. Memory is bounded: at most `maxInFlight` batches of about
/// `batchInputBytes` of events each are in flight; the reader waits for the oldest when that is reached (and the
/// sink's `write` blocking slows the reader the same way: backpressure).
///
/// The hand-over stage also keeps the checkpoint: which transactions are complete in what was handed over.
final class RowRenderPool {
    static let batchInputBytes = 512 << 10
    static let maxJobsPerBatch = 4096
    let maxInFlight: Int
    let decodeOnly: Bool
    private let sink: any RecordSink
    private let encoder: any RecordEncoder
    private let keys: Bool
    private var current: RenderBatch
    private var inFlight: [RenderBatch] = []
    private let queue = DispatchQueue(label: "binlog-sink.render", attributes: .concurrent)
    /// Records handed to the sink.
    private(set) var records = 0
    /// As of what was handed to the sink: never below the saved in-transaction checkpoint a resumed run started
    /// from (its first records are being skipped, but were delivered before the restart).
    var checkpoint: PipelineCheckpoint {
        var reported = counted
        if let floor = resumeFloor, let open = counted.transaction, open.start == floor.start {
            reported.transaction?.records = max(open.records, floor.records)
        }
        return reported
    }
    /// What this run counted itself.
    private var counted = PipelineCheckpoint()
    /// Records of the first transaction a resumed run skips (they were delivered before the restart).
    private var skipRemaining: UInt64
    private var skipping: Bool
    /// The saved in-transaction checkpoint a resumed run starts from: until that transaction commits, the
    /// checkpoint never goes below it (records being skipped were delivered before the restart).
    private var resumeFloor: PipelineCheckpoint.OpenTransaction?
    /// `--transaction-markers`.
    private let markers: TransactionMarkerTracker?

    init(
        sink: any RecordSink, encoder: any RecordEncoder, decodeOnly: Bool, workers: Int, skipRecords: UInt64 = 0,
        initial: PipelineCheckpoint = PipelineCheckpoint(), markers: (any TransactionMarkerEncoder)? = nil
    ) {
        self.markers = markers.map { TransactionMarkerTracker(encoder: $0, separator: encoder.separator) }
        self.counted = initial
        self.resumeFloor = initial.transaction
        self.sink = sink
        self.encoder = encoder
        self.keys = sink.wantsKeys
        self.decodeOnly = decodeOnly
        self.maxInFlight = max(2, workers * 2)
        self.skipRemaining = skipRecords
        self.skipping = skipRecords > 0
        self.current = RenderBatch(decodeOnly: decodeOnly, encoder: encoder, keys: sink.wantsKeys)
    }

    func add(_ job: RowsJob) throws(CDCError) {
        current.jobs.append(job)
        current.inputBytes += job.prerendered?.values.count ?? job.event.rows.count
        if current.inputBytes >= Self.batchInputBytes || current.jobs.count >= Self.maxJobsPerBatch {
            try submit()
        }
    }

    /// Places a transaction boundary after the jobs added so far.
    func mark(_ marker: TransactionMarker) {
        current.markers.append((current.jobs.count, marker))
    }

    /// Hands the current batch to a worker (waiting for the oldest when too many are in flight).
    func submit() throws(CDCError) {
        guard !current.jobs.isEmpty || !current.markers.isEmpty else { return }
        while inFlight.count >= maxInFlight { try writeOldest() }
        let batch = current
        current = RenderBatch(decodeOnly: decodeOnly, encoder: encoder, keys: keys)
        inFlight.append(batch)
        if batch.jobs.isEmpty {
            batch.done.signal()
            return
        }
        queue.async {
            batch.run()
            batch.done.signal()
        }
    }

    /// Waits for every batch and hands it to the sink; throws the first error in binlog order.
    func drain() throws(CDCError) {
        try submit()
        while !inFlight.isEmpty { try writeOldest() }
    }

    private func writeOldest() throws(CDCError) {
        let batch = inFlight.removeFirst()
        batch.done.wait()
        // Records before the damaged event are handed over; the batches behind it are forgotten.
        let jobsDone = batch.recordCounts.count
        for index in 0..<jobsDone {
            let job = batch.rendered[index]
            job.info.rowCounts[job.operation.index] += batch.rows[index]
        }
        try hand(batch, jobsDone: jobsDone)
        if let error = batch.error {
            for later in inFlight { later.done.wait() }
            inFlight.removeAll()
            current = RenderBatch(decodeOnly: decodeOnly, encoder: encoder, keys: keys)
            throw error
        }
    }

    /// Turns a rendered batch into a `RecordBatch` for the sink, skipping what a resumed run delivered before, and
    /// moves the checkpoint over its transaction markers.
    private func hand(_ batch: RenderBatch, jobsDone: Int) throws(CDCError) {
        // Records before each job.
        var offsets = [Int](repeating: 0, count: batch.rendered.count + 1)
        for index in 0..<batch.rendered.count {
            offsets[index + 1] = offsets[index] + (index < jobsDone ? batch.recordCounts[index] : 0)
        }
        let total = batch.output.records.count
        var drop = 0
        if skipping {
            let firstCommit = batch.markers.first { if case .commit = $0.marker { return true } else { return false } }
            let limit = firstCommit.map { offsets[min($0.job, batch.rendered.count)] } ?? total
            drop = Int(min(skipRemaining, UInt64(limit)))
            skipRemaining -= UInt64(drop)
            if firstCommit != nil || skipRemaining == 0 { skipping = false }
        }
        var commits: [RecordBatch.Commit] = []
        var boundaries: [(before: Int, marker: TransactionMarker)] = []
        var seen = 0
        // After a damaged event, only the markers before it count.
        let lastMarker = batch.error == nil ? batch.rendered.count : jobsDone - 1
        for (job, marker) in batch.markers where job <= lastMarker {
            let before = offsets[job]
            if counted.transaction != nil { counted.transaction?.records += UInt64(before - seen) }
            seen = before
            if markers != nil { boundaries.append((before, marker)) }
            switch marker {
            case .begin(let start, _, _):
                counted.transaction = PipelineCheckpoint.OpenTransaction(start: start, records: 0)
            case .commit(let next, let gtid, _):
                counted.transaction = nil
                counted.next = next
                counted.gtid = gtid ?? counted.gtid
                commits.append(RecordBatch.Commit(recordsBefore: max(0, before - drop), next: next, gtid: gtid))
            }
        }
        if counted.transaction != nil { counted.transaction?.records += UInt64(total - seen) }
        if !commits.isEmpty { resumeFloor = nil }
        // Decode-only renders nothing: its "records" are the rows it decoded (what `parse --decode-only --stats`
        // and `bench` report).
        if decodeOnly { records += batch.output.rows }
        if let markers {
            // Also a batch with nothing to write: the tracker follows every transaction boundary.
            let marked = markers.batch(
                records: batch.output.records, values: batch.output.values.moveToArray(),
                keys: batch.output.keys.moveToArray(),
                tables: batch.tables, origins: batch.origins, drop: drop, boundaries: boundaries)
            records += total - drop
            if !marked.isEmpty { try sink.write(marked) }
            return
        }
        guard total > drop || !commits.isEmpty else { return }
        let kept = drop == 0 ? batch.output.records : Array(batch.output.records[drop...])
        records += kept.count
        try sink.write(
            RecordBatch(
                values: batch.output.values.moveToArray(), keys: batch.output.keys.moveToArray(), records: kept,
                tables: batch.tables,
                origins: batch.origins, commits: commits))
    }
}
