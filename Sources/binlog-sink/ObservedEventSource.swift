import CDCCore

/// Wraps the run's event source to record where the stream is (`StreamObservation`) for metrics and progress:
/// the position and timestamp of each event, and when the stream caught up with the server. Publishes every 64
/// events and whenever the source is about to wait, so the pipeline thread rarely takes the lock.
final class ObservedEventSource: BinlogEventSource {
    let inner: any BinlogEventSource
    let observation: StreamObservation
    /// How many reconnects the inner source made so far (the replication stream's counter).
    var reconnects: () -> Int = { 0 }
    private var file = ""
    private var offset: UInt64 = 0
    private var timestamp: UInt32 = 0
    /// The last event timestamp read in `file` (0: none yet); kept in `fileTimestamps` once the file changes.
    private var fileTimestamp: UInt32 = 0
    private var events: UInt64 = 0
    private var bytes: UInt64 = 0
    private var unpublished = 0
    private var fileTimestamps: [String: UInt32] = [:]

    init(inner: any BinlogEventSource, observation: StreamObservation) {
        self.inner = inner
        self.observation = observation
    }

    func nextEvent() throws(CDCError) -> SourceEvent? {
        try nextEvent(beforeWaiting: {})
    }

    func nextEvent(beforeWaiting: () throws(CDCError) -> Void) throws(CDCError) -> SourceEvent? {
        let next = try inner.nextEvent(beforeWaiting: { () throws(CDCError) in
            publish(caughtUp: true)
            try beforeWaiting()
        })
        guard let next else {
            // The stream reached its end (--until): nothing is left to read up to its target. A stopped stream
            // keeps the lag it had.
            publish(caughtUp: !ShutdownSignal.shared.requested)
            return nil
        }
        let bytes = next.bytes
        if next.file != file {
            if !file.isEmpty, fileTimestamp > 0 { fileTimestamps[file] = fileTimestamp }
            fileTimestamp = fileTimestamps[next.file] ?? 0
            unpublished = 64
        }
        if bytes.count >= 4 {
            let stamp = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
            if stamp > 0 {
                timestamp = stamp
                fileTimestamp = stamp
            }
        }
        file = next.file
        offset = next.offset + UInt64(bytes.count)
        events += 1
        self.bytes += UInt64(bytes.count)
        unpublished += 1
        if unpublished >= 64 { publish(caughtUp: false) }
        return next
    }

    private func publish(caughtUp: Bool) {
        unpublished = 0
        let reconnects = reconnects()
        observation.state.withLock { state in
            state.file = file.isEmpty ? state.file : file
            state.offset = file.isEmpty ? state.offset : offset
            if timestamp > 0 { state.lastTimestamp = timestamp }
            state.caughtUp = caughtUp
            for (name, stamp) in fileTimestamps { state.fileLastTimestamp[name] = stamp }
            if !file.isEmpty, fileTimestamp > 0 { state.fileLastTimestamp[file] = fileTimestamp }
            state.events = events
            state.bytesRead = bytes
            state.reconnects = reconnects
        }
        // Only the few most recent files matter for the runway.
        if fileTimestamps.count > 8 { fileTimestamps.removeAll(keepingCapacity: true) }
    }
}
