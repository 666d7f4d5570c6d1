import BinlogDecoder
import Dispatch

/// Renders rows events on worker threads while the parser's thread keeps reading and decoding events, and writes
/// the results strictly in binlog order. Memory is bounded: at most `maxInFlight` batches of about
/// `batchInputBytes` of events each are in flight; the reader waits for the oldest when that is reached.
final class RowRenderPool {
    static let batchInputBytes = 512 << 10
    static let maxJobsPerBatch = 4096
    let maxInFlight: Int
    let decodeOnly: Bool
    private let output: OutputWriter
    private var current: RenderBatch
    private var inFlight: [RenderBatch] = []
    private let queue = DispatchQueue(label: "binlog-sink.render", attributes: .concurrent)
    private(set) var records = 0

    init(output: OutputWriter, decodeOnly: Bool, workers: Int) {
        self.output = output
        self.decodeOnly = decodeOnly
        self.maxInFlight = max(2, workers * 2)
        self.current = RenderBatch(decodeOnly: decodeOnly)
    }

    func add(_ job: RowsJob) throws(CDCError) {
        current.jobs.append(job)
        current.inputBytes += job.prerendered?.count ?? job.event.rows.count
        if current.inputBytes >= Self.batchInputBytes || current.jobs.count >= Self.maxJobsPerBatch {
            try submit()
        }
    }

    /// Hands the current batch to a worker (waiting for the oldest when too many are in flight).
    func submit() throws(CDCError) {
        guard !current.jobs.isEmpty else { return }
        while inFlight.count >= maxInFlight { try writeOldest() }
        let batch = current
        current = RenderBatch(decodeOnly: decodeOnly)
        inFlight.append(batch)
        queue.async {
            batch.run()
            batch.done.signal()
        }
    }

    /// Waits for every batch and writes them; throws the first error in binlog order.
    func drain() throws(CDCError) {
        try submit()
        while !inFlight.isEmpty { try writeOldest() }
    }

    private func writeOldest() throws(CDCError) {
        let batch = inFlight.removeFirst()
        batch.done.wait()
        output.buffer.append(contentsOf: batch.output.bytes)
        for (index, count) in batch.rows.enumerated() {
            let job = batch.jobs[index]
            job.info.rowCounts[job.operation.index] += count
            records += count
        }
        if let error = batch.error {
            // Nothing after the damaged event may be written: forget the batches behind it.
            for later in inFlight { later.done.wait() }
            inFlight.removeAll()
            current = RenderBatch(decodeOnly: decodeOnly)
            throw error
        }
        try output.flushIfFull()
    }
}
