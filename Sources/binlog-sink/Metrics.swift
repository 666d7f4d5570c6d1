import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The run's metrics, in Prometheus text format (`--metrics-listen` serves them at /metrics, `--metrics-file`
/// writes them once at exit). Thread-safe: the pipeline, the source poller and other features (the snapshot) update
/// them from their own threads; rendering reads a consistent copy.
///
/// Counters and gauges are identified by name and labels. A family is declared once (`describe`) with its help and
/// type; updating an undeclared family declares it as untyped. Gauges may also be computed when rendered
/// (`gauge(_:_:compute:)`), for values that change with time (checkpoint age, retention runway).
///
/// The snapshot calls `snapshotProgress(table:rowsDone:rowsEstimated:)` (and `ProgressReporter.shared`'s rows API).
final class Metrics: Sendable {
    static let shared = Metrics()

    enum Kind: String, Sendable {
        case counter, gauge, histogram, untyped
    }

    private struct Family {
        var help: String
        var kind: Kind
        /// Label text (`{table="db.t",op="insert"}` or "") → value.
        var samples: [String: Double] = [:]
        var computed: [String: @Sendable () -> Double?] = [:]
        /// Histograms: upper bounds (ascending), then per label text the bucket counts, sum and count.
        var bounds: [Double] = []
        var histograms: [String: (buckets: [UInt64], sum: Double, count: UInt64)] = [:]
    }

    private let families = Mutex<[String: Family]>([:])

    init() {}

    func describe(_ name: String, _ kind: Kind, _ help: String, buckets: [Double] = []) {
        families.withLock { families in
            var family = families[name] ?? Family(help: help, kind: kind)
            family.help = help
            family.kind = kind
            family.bounds = buckets.sorted()
            families[name] = family
        }
    }

    func add(_ name: String, _ labels: [(String, String)] = [], _ value: Double = 1) {
        let key = Self.labelText(labels)
        families.withLock { families in
            families[name, default: Family(help: "", kind: .untyped)].samples[key, default: 0] += value
        }
    }

    /// Adds several samples of one family under one lock (labels already rendered with `labelText`).
    func add(_ name: String, rendered: [String: Double]) {
        families.withLock { families in
            var family = families[name] ?? Family(help: "", kind: .untyped)
            for (key, value) in rendered { family.samples[key, default: 0] += value }
            families[name] = family
        }
    }

    func set(_ name: String, _ value: Double) { set(name, [], value) }

    func set(_ name: String, _ labels: [(String, String)], _ value: Double) {
        let key = Self.labelText(labels)
        families.withLock { families in
            families[name, default: Family(help: "", kind: .untyped)].samples[key] = value
        }
    }

    /// A gauge computed when rendered (nil: the sample is left out).
    func gauge(_ name: String, _ labels: [(String, String)] = [], compute: @escaping @Sendable () -> Double?) {
        let key = Self.labelText(labels)
        families.withLock { families in
            families[name, default: Family(help: "", kind: .gauge)].computed[key] = compute
        }
    }

    func observe(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        let key = Self.labelText(labels)
        families.withLock { families in
            guard var family = families[name], family.kind == .histogram else { return }
            var entry = family.histograms[key] ?? ([UInt64](repeating: 0, count: family.bounds.count), 0, 0)
            for (index, bound) in family.bounds.enumerated() where value <= bound { entry.buckets[index] += 1 }
            entry.sum += value
            entry.count += 1
            family.histograms[key] = entry
            families[name] = family
        }
    }

    func value(_ name: String, _ labels: [(String, String)] = []) -> Double? {
        let key = Self.labelText(labels)
        return families.withLock { $0[name]?.samples[key] }
    }

    /// Snapshot progress of one table (called by the snapshot as it finishes chunks).
    func snapshotProgress(table: String, rowsDone: UInt64, rowsEstimated: UInt64?) {
        set("binlog_sink_snapshot_rows_done", [("table", table)], Double(rowsDone))
        if let rowsEstimated {
            set("binlog_sink_snapshot_rows_estimated", [("table", table)], Double(rowsEstimated))
        }
    }

    /// The exposition text (Prometheus text format 0.0.4).
    func render() -> String {
        let copy = families.withLock { $0 }
        var out = ""
        for name in copy.keys.sorted() {
            guard let family = copy[name] else { continue }
            var lines: [String] = []
            for key in family.samples.keys.sorted() {
                lines.append("\(name)\(key) \(Self.number(family.samples[key] ?? 0))")
            }
            for key in family.computed.keys.sorted() {
                if let value = family.computed[key]?() { lines.append("\(name)\(key) \(Self.number(value))") }
            }
            for key in family.histograms.keys.sorted() {
                guard let entry = family.histograms[key] else { continue }
                let inner = key.isEmpty ? "" : String(key.dropFirst().dropLast()) + ","
                for (index, bound) in family.bounds.enumerated() {
                    lines.append("\(name)_bucket{\(inner)le=\"\(Self.number(bound))\"} \(entry.buckets[index])")
                }
                lines.append("\(name)_bucket{\(inner)le=\"+Inf\"} \(entry.count)")
                lines.append("\(name)_sum\(key) \(Self.number(entry.sum))")
                lines.append("\(name)_count\(key) \(entry.count)")
            }
            guard !lines.isEmpty else { continue }
            if !family.help.isEmpty { out += "# HELP \(name) \(Self.escapeHelp(family.help))\n" }
            out += "# TYPE \(name) \(family.kind.rawValue)\n"
            for line in lines { out += line + "\n" }
        }
        return out
    }

    static func labelText(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func escapeLabel(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Seconds since the epoch, now.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Declares the families `run` exports (docs/operations.md lists them).
    func describeRunFamilies() {
        describe("binlog_sink_records_total", .counter, "Change records handed to the sink, by table and operation.")
        describe(
            "binlog_sink_record_bytes_total", .counter,
            "Encoded bytes of the change records handed to the sink, by table and operation.")
        describe(
            "binlog_sink_sink_flush_seconds", .histogram,
            "Time the sink took to make everything handed to it durable (flush/ack), per checkpoint.",
            buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30])
        describe(
            "binlog_sink_queue_records", .gauge,
            "Records handed to the sink and not yet acknowledged (flushed) by it.")
        describe(
            "binlog_sink_lag_seconds", .gauge,
            "Seconds between now and the timestamp of the last event read (0 once the stream has caught up).")
        describe(
            "binlog_sink_lag_bytes", .gauge,
            "Binlog bytes on the server after the read position (from SHOW BINARY LOGS, polled).")
        describe("binlog_sink_checkpoint_age_seconds", .gauge, "Seconds since the last checkpoint was saved.")
        describe("binlog_sink_checkpoints_total", .counter, "Checkpoints saved.")
        describe("binlog_sink_reconnects_total", .counter, "Times the replication stream reconnected.")
        describe("binlog_sink_events_total", .counter, "Binlog events read.")
        describe("binlog_sink_binlog_bytes_read_total", .counter, "Binlog bytes read.")
        describe(
            "binlog_sink_binlog_retention_runway_seconds", .gauge,
            "Seconds until the oldest binlog the saved position needs is purged at the server's retention setting "
                + "(+Inf: the server never purges by age).")
        describe("binlog_sink_snapshot_rows_done", .gauge, "Snapshot rows read, by table.")
        describe("binlog_sink_snapshot_rows_estimated", .gauge, "Snapshot rows expected, by table.")
        describe("binlog_sink_up", .gauge, "1 while the run is running.")
        describe("binlog_sink_start_time_seconds", .gauge, "When the run started (seconds since the epoch).")
        set("binlog_sink_up", 1)
        set("binlog_sink_start_time_seconds", Metrics.now())
    }
}
