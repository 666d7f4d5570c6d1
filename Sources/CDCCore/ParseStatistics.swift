import BinlogDecoder

/// What a `parse` run read and produced, for `--stats`.
public struct ParseStatistics: Sendable {
    public var files = 0
    public var events = 0
    public var bytes: UInt64 = 0
    /// Events by type code (names are looked up when the summary is printed).
    public var eventCounts = [Int](repeating: 0, count: 256)
    public var eventsByType: [String: Int] {
        var result: [String: Int] = [:]
        for (code, count) in eventCounts.enumerated() where count > 0 {
            result[EventType(rawValue: UInt8(code)).name] = count
        }
        return result
    }
    /// Rows by `db.table`, then by operation.
    public var rowsByTable: [String: [String: Int]] = [:]
    public var records = 0
    public var seconds: Double = 0

    public init() {}

    public var rows: Int { rowsByTable.values.reduce(0) { $0 + $1.values.reduce(0, +) } }

    /// A human summary, one fact per line.
    public func summary() -> String {
        var lines: [String] = []
        let rate = seconds > 0 ? Double(records) / seconds : 0
        let megabytes = Double(bytes) / 1_048_576
        lines.append("files: \(files)  events: \(events)  bytes: \(bytes) (\(format(megabytes)) MiB)")
        lines.append(
            "records: \(records)  seconds: \(format(seconds))  rows/s: \(Int(rate))  MiB/s: \(format(seconds > 0 ? megabytes / seconds : 0))"
        )
        lines.append("events by type:")
        for (type, count) in eventsByType.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(type): \(count)")
        }
        lines.append("rows by table:")
        for (table, ops) in rowsByTable.sorted(by: { $0.key < $1.key }) {
            let parts = ops.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }
            lines.append("  \(table): \(parts.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
