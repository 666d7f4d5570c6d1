import Synchronization

/// What the run knows about where it is, shared by the pipeline thread (which updates it), the source poller, the
/// metrics and the progress reporter (which read it).
final class StreamObservation: Sendable {
    struct State: Sendable {
        /// The file and offset after the last event read.
        var file = ""
        var offset: UInt64 = 0
        /// The timestamp (seconds since the epoch) of the last event read with one.
        var lastTimestamp: UInt32 = 0
        /// True once the stream waited for the server (everything written so far was read).
        var caughtUp = false
        /// Per binlog file: the timestamp of the last event read from it (the rotation time once a later file
        /// was read), for the retention runway.
        var fileLastTimestamp: [String: UInt32] = [:]
        /// Where the last saved checkpoint resumes (the oldest binlog the connector still needs) and when it was
        /// saved (seconds since the epoch).
        var checkpointFile: String?
        var checkpointTime: Double?
        var events: UInt64 = 0
        var bytesRead: UInt64 = 0
        /// From the source poller: the server's binlogs (name, size), oldest first, and its retention in seconds
        /// (nil: never purged by age).
        var serverLogs: [(String, UInt64)] = []
        var retentionSeconds: Double?
        var retentionKnown = false
        var reconnects = 0
    }

    let state: Mutex<State>

    init(file: String, offset: UInt64) {
        var initial = State()
        initial.file = file
        initial.offset = offset
        state = Mutex(initial)
    }

    var current: State { state.withLock { $0 } }

    /// Binlog bytes on the server after the read position (nil until the poller has listed the binlogs).
    func lagBytes(_ state: State) -> Double? {
        guard !state.serverLogs.isEmpty else { return nil }
        var total: UInt64 = 0
        var after = false
        for (name, size) in state.serverLogs {
            if after {
                total += size
            } else if name == state.file {
                after = true
                total += size > state.offset ? size - state.offset : 0
            }
        }
        // The read file is no longer on the server (or not yet known): everything listed is ahead.
        if !after { total = state.serverLogs.reduce(0) { $0 + $1.1 } }
        return Double(total)
    }

    /// Seconds until the oldest binlog the checkpoint needs is purged, computed conservatively: a binlog is purged
    /// once its last write (its modification time: the rotation) is older than the retention. The rotation time is
    /// taken as the timestamp of the last event read from that file (the ROTATE event at its end once a later file
    /// was read), which is never later than the real one, so the runway shown is never longer than the real one.
    /// The file being written (the server's newest) cannot be purged: its runway is at least the retention.
    func retentionRunway(_ state: State, now: Double) -> Double? {
        guard state.retentionKnown else { return nil }
        guard let retention = state.retentionSeconds else { return .infinity }
        let needed = state.checkpointFile ?? state.file
        if let newest = state.serverLogs.last?.0, newest == needed { return retention }
        guard let rotated = state.fileLastTimestamp[needed], rotated > 0 else { return nil }
        return retention - (now - Double(rotated))
    }

    /// Registers the computed gauges that read this observation.
    func register(in metrics: Metrics) {
        metrics.gauge("binlog_sink_lag_seconds") { [self] in
            let state = current
            if state.caughtUp { return 0 }
            guard state.lastTimestamp > 0 else { return nil }
            return max(0, Metrics.now() - Double(state.lastTimestamp))
        }
        metrics.gauge("binlog_sink_lag_bytes") { [self] in lagBytes(current) }
        metrics.gauge("binlog_sink_checkpoint_age_seconds") { [self] in
            current.checkpointTime.map { max(0, Metrics.now() - $0) }
        }
        metrics.gauge("binlog_sink_binlog_retention_runway_seconds") { [self] in
            retentionRunway(current, now: Metrics.now())
        }
        metrics.gauge("binlog_sink_events_total") { [self] in Double(current.events) }
        metrics.gauge("binlog_sink_binlog_bytes_read_total") { [self] in Double(current.bytesRead) }
        metrics.gauge("binlog_sink_reconnects_total") { [self] in Double(current.reconnects) }
    }
}
