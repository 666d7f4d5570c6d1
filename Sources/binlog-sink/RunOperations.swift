import CDCCore
import MySQLSource

#if canImport(Glibc)
    import Glibc
#endif

/// What `run` does to be operated: logs, signals (graceful stop), metrics (server, file, source poller) and
/// progress, kept out of `RunCommand` so the command only calls in at a few points.
final class RunOperations {
    let options: OperationsOptions
    let metrics = Metrics.shared
    private var server: HTTPListener?
    private var poller: SourcePoller?
    private var progress: ProgressReporter?
    private var observation: StreamObservation?
    private var progressUpdate: (@Sendable () -> Void)?
    private var source: (url: SourceURL, options: ConnectionOptions)?
    private var enabled: Bool { options.metricsListen != nil || options.metricsFile != nil }

    /// Configures the log and installs the signal handlers.
    init(options: OperationsOptions) throws(CDCError) {
        self.options = options
        options.log.apply()
        try ShutdownSignal.shared.install(timeout: options.shutdownTimeout)
        if enabled {
            metrics.describeRunFamilies()
            if let listen = options.metricsListen {
                let metrics = self.metrics
                let (listener, address) = try HTTPListener.start(
                    listen: listen, option: "--metrics-listen", name: "metrics",
                    handler: { request in
                        let path = request.target
                        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
                        switch route {
                        case "/metrics":
                            return HTTPListener.Response(
                                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                body: metrics.render())
                        case "/healthz":
                            let stopping = ShutdownSignal.shared.requested
                            return HTTPListener.Response(
                                status: stopping ? 503 : 200, contentType: "text/plain; charset=utf-8",
                                body: stopping ? "stopping\n" : "ok\n")
                        default:
                            return HTTPListener.Response(
                                status: 404, contentType: "text/plain; charset=utf-8",
                                body: "not found: try /metrics or /healthz\n")
                        }
                    },
                    errorResponse: { code, message in
                        HTTPListener.Response(
                            status: code, contentType: "text/plain; charset=utf-8", body: message + "\n")
                    })
                server = listener
                Logger.info("metrics listening on http://\(address)/metrics", [("address", address)])
            }
        }
    }

    /// Whether a stop was asked for before the stream started (the run then ends at once).
    var stopRequested: Bool { ShutdownSignal.shared.requested }

    /// A stream that a signal must stop (the DDL look-ahead scan, then the replication stream).
    func stoppable(_ stream: ReplicationStream) {
        let stopper = stream.stopper
        ShutdownSignal.shared.onStop { stopper.stop() }
    }

    /// The sink with metrics counted, when metrics are on.
    func wrap(_ sink: any RecordSink) -> any RecordSink {
        enabled ? MetricsSink(inner: sink, metrics: metrics) : sink
    }

    /// The stream as the pipeline reads it: observed for metrics and progress (and stopped by a signal).
    func wrap(
        _ stream: ReplicationStream, url: SourceURL, connection: ConnectionOptions, oneShot: Bool
    ) -> any BinlogEventSource {
        stoppable(stream)
        progress = ProgressReporter.start(
            mode: options.progress, oneShot: oneShot, lineInterval: options.progressInterval)
        guard enabled || progress != nil else { return stream }
        source = (url, connection)
        let observation = StreamObservation(file: stream.file, offset: stream.nextPosition)
        self.observation = observation
        if enabled { observation.register(in: metrics) }
        poller = SourcePoller.start(
            url: url, options: connection, observation: observation, interval: options.metricsPollInterval)
        let source = ObservedEventSource(inner: stream, observation: observation)
        source.reconnects = { [unowned stream] in stream.reconnects }
        if let progress {
            let start = (stream.file, stream.nextPosition)
            let end = stream.end
            let update: @Sendable () -> Void = {
                let state = observation.current
                if let end {
                    let total = Self.distance(from: start, to: end, logs: state.serverLogs)
                    let done = Self.distance(from: start, to: (state.file, state.offset), logs: state.serverLogs)
                    progress.update(
                        task: "binlog", done: Double(done ?? state.bytesRead), total: total.map { Double($0) },
                        unit: .bytes, detail: "\(state.file):\(state.offset)")
                } else {
                    progress.update(
                        task: "binlog", done: Double(state.bytesRead), total: nil, unit: .bytes,
                        detail: "\(state.file):\(state.offset)")
                }
            }
            progressUpdate = update
            BackgroundThread.start {
                while ProgressReporter.shared === progress {
                    update()
                    usleep(200_000)
                }
            }
        }
        return source
    }

    /// Binlog bytes from `from` to `to` given the server's binlog sizes (nil when a file is not listed).
    static func distance(
        from: (String, UInt64), to: (String, UInt64), logs: [(String, UInt64)]
    ) -> UInt64? {
        if from.0 == to.0 { return to.1 > from.1 ? to.1 - from.1 : 0 }
        guard let first = logs.firstIndex(where: { $0.0 == from.0 }),
            let last = logs.firstIndex(where: { $0.0 == to.0 }), first <= last
        else { return nil }
        var total: UInt64 = logs[first].1 > from.1 ? logs[first].1 - from.1 : 0
        for index in (first + 1)..<last { total += logs[index].1 }
        return total + to.1
    }

    /// After a checkpoint was saved.
    func checkpointed(_ checkpoint: PipelineCheckpoint) {
        if Logger.enabled(.debug), let resume = checkpoint.resumePosition {
            Logger.debug(
                "checkpoint saved",
                [("position", "\(resume.file):\(resume.offset)")]
                    + (checkpoint.transaction.map { [("records_in_transaction", "\($0.records)")] } ?? []))
        }
        guard let observation else { return }
        let now = Metrics.now()
        observation.state.withLock { state in
            state.checkpointTime = now
            if let file = checkpoint.resumePosition?.file { state.checkpointFile = file }
        }
        if enabled { metrics.add("binlog_sink_checkpoints_total", [], 1) }
    }

    /// At the end of the run (also after a failure): the progress's last line, the metrics file, threads stopped.
    func finish() {
        progressUpdate?()
        progress?.stop()
        progress = nil
        poller?.stop()
        poller = nil
        if enabled { metrics.set("binlog_sink_up", 0) }
        if let path = options.metricsFile {
            // The file is read later: its lag and runway should be as of the end, not of the last poll.
            if let source, let observation {
                if let connection = try? MySQLConnection(url: source.url, options: source.options),
                    let (logs, retention) = try? SourcePoller.poll(connection)
                {
                    observation.state.withLock { state in
                        state.serverLogs = logs
                        state.retentionSeconds = retention
                        state.retentionKnown = true
                    }
                }
            }
            do throws(CDCError) {
                try Self.writeAtomically(metrics.render(), to: path)
            } catch {
                Logger.error(error.description)
            }
        }
        server?.stop()
        server = nil
    }

    /// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half a file.
    static func writeAtomically(_ text: String, to path: String) throws(CDCError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CDCError(
                .io, "--metrics-file \(path): cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let wrote = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw CDCError(.io, "--metrics-file \(path): cannot write: \(reason)")
            }
            done += wrote
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            throw CDCError(
                .io, "--metrics-file \(path): cannot rename \(temporary): \(String(cString: strerror(errno)))")
        }
    }
}
