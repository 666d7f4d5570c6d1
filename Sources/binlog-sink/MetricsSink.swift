import CDCCore

/// A sink wrapper for `--metrics-listen` / `--metrics-file`: counts the records and bytes handed to the real sink
/// by table and operation, how many are waiting for its acknowledgement (queue depth), and times each flush.
final class MetricsSink: RecordSink {
    let inner: any RecordSink
    private let metrics: Metrics
    private var pending = 0
    /// Label text per table (`db.t`) and operation, built once.
    private var labelCache: [String: [String]] = [:]

    init(inner: any RecordSink, metrics: Metrics) {
        self.inner = inner
        self.metrics = metrics
    }

    var description: String { inner.description }
    var wantsKeys: Bool { inner.wantsKeys }

    static let operations = ["insert", "update", "delete", "read"]

    static func index(_ operation: RecordRenderer.Operation) -> Int {
        switch operation {
        case .insert: return 0
        case .update: return 1
        case .delete: return 2
        case .read: return 3
        }
    }

    func write(_ batch: RecordBatch) throws(CDCError) {
        if !batch.records.isEmpty {
            var counts = [Int](repeating: 0, count: batch.tables.count * 4)
            var bytes = [Int](repeating: 0, count: batch.tables.count * 4)
            for record in batch.records where record.table < batch.tables.count {
                let slot = record.table * 4 + Self.index(record.operation)
                counts[slot] += 1
                bytes[slot] += record.value.count
            }
            var recordSamples: [String: Double] = [:]
            var byteSamples: [String: Double] = [:]
            for (tableIndex, table) in batch.tables.enumerated() {
                for op in 0..<4 where counts[tableIndex * 4 + op] > 0 {
                    let label = labels(table)[op]
                    recordSamples[label, default: 0] += Double(counts[tableIndex * 4 + op])
                    byteSamples[label, default: 0] += Double(bytes[tableIndex * 4 + op])
                }
            }
            metrics.add("binlog_sink_records_total", rendered: recordSamples)
            metrics.add("binlog_sink_record_bytes_total", rendered: byteSamples)
            pending += batch.records.count
            metrics.set("binlog_sink_queue_records", Double(pending))
        }
        try inner.write(batch)
    }

    func push() throws(CDCError) {
        try inner.push()
    }

    private func labels(_ table: RecordBatch.Table) -> [String] {
        let name = "\(table.database).\(table.table)"
        if let cached = labelCache[name] { return cached }
        let made = Self.operations.map { Metrics.labelText([("table", name), ("op", $0)]) }
        labelCache[name] = made
        return made
    }

    func flush() throws(CDCError) {
        let clock = ContinuousClock()
        let started = clock.now
        try inner.flush()
        let elapsed = clock.now - started
        metrics.observe(
            "binlog_sink_sink_flush_seconds", [],
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        pending = 0
        metrics.set("binlog_sink_queue_records", 0)
    }

    func close() throws(CDCError) { try inner.close() }
}
