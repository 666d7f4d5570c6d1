/// Rate-limits the sink's log lines: a broker outage repeats the same error many times a second, the log gets the
/// first one and then at most one line per `interval` per kind, saying how many were left out.
struct KafkaLogLimiter {
    let interval: Duration
    private var last: [String: (time: ContinuousClock.Instant, suppressed: Int)] = [:]

    init(interval: Duration) {
        self.interval = interval
    }

    /// The line to log now for an event of this kind, or nil when it is one to leave out.
    mutating func admit(_ kind: String, _ line: String) -> String? {
        let now = ContinuousClock.now
        if let previous = last[kind], now - previous.time < interval {
            last[kind] = (previous.time, previous.suppressed + 1)
            return nil
        }
        let suppressed = last[kind]?.suppressed ?? 0
        last[kind] = (now, 0)
        return suppressed > 0 ? "\(line) (\(suppressed) more like it since the last report)" : line
    }

    /// Whether anything was logged since the last reset.
    var isEmpty: Bool { last.isEmpty }

    /// Forgets every kind (after the condition cleared), so the next occurrence is logged at once.
    mutating func reset() {
        last.removeAll()
    }
}
