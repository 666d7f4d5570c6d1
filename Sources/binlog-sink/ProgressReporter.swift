import ArgumentParser
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Progress of one-shot work (`run --until`, the snapshot): a bar redrawn in place on a terminal, or a plain line
/// every `lineInterval` seconds otherwise (`--progress auto|bar|lines|none`). Work reports `update` (done and total
/// in its unit: binlog bytes, or rows for a snapshot); a thread of its own draws, so the pipeline never waits on
/// the terminal.
///
/// The snapshot calls `ProgressReporter.shared?.update(task: "snapshot", done: rows, total: estimated, unit: .rows)`.
final class ProgressReporter: Sendable {
    enum Mode: String, CaseIterable, ExpressibleByArgument, Sendable {
        case auto, bar, lines, none
    }

    enum Unit: Sendable {
        case bytes, rows
    }

    private struct Task {
        var done: Double
        var total: Double?
        var unit: Unit
        var detail: String
        var started: Double
    }

    private struct State {
        var tasks: [(String, Task)] = []
        var stopped = false
        var drewBar = false
    }

    /// The reporter of this run, when one is shown.
    static let current = Mutex<ProgressReporter?>(nil)
    static var shared: ProgressReporter? { current.withLock { $0 } }

    let bar: Bool
    let lineInterval: Double
    private let state = Mutex(State())
    private let finished = Atomic<Bool>(false)

    private init(bar: Bool, lineInterval: Double) {
        self.bar = bar
        self.lineInterval = lineInterval
    }

    /// Starts a reporter for `mode` (nil for none, and for auto when the work has no end).
    static func start(mode: Mode, oneShot: Bool, lineInterval: Double = 10) -> ProgressReporter? {
        let bar: Bool
        switch mode {
        case .none: return nil
        case .bar: bar = true
        case .lines: bar = false
        case .auto:
            guard oneShot else { return nil }
            bar = isatty(2) == 1 && Logger.format == .text
        }
        let reporter = ProgressReporter(bar: bar, lineInterval: lineInterval)
        current.withLock { $0 = reporter }
        BackgroundThread.start { reporter.loop() }
        return reporter
    }

    func update(task: String, done: Double, total: Double?, unit: Unit, detail: String = "") {
        state.withLock { state in
            if let index = state.tasks.firstIndex(where: { $0.0 == task }) {
                state.tasks[index].1.done = done
                state.tasks[index].1.total = total
                state.tasks[index].1.detail = detail
            } else {
                state.tasks.append(
                    (task, Task(done: done, total: total, unit: unit, detail: detail, started: Metrics.now())))
            }
        }
    }

    /// Draws the last state and stops (the bar's line is ended).
    func stop() {
        let wasStopped = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !wasStopped else { return }
        for _ in 0..<50 where !finished.load(ordering: .sequentiallyConsistent) { usleep(10_000) }
        draw(final: true)
        ProgressReporter.current.withLock { $0 = nil }
    }

    private func loop() {
        defer { finished.store(true, ordering: .sequentiallyConsistent) }
        let tick = bar ? 0.25 : lineInterval
        var waited = 0.0
        while !state.withLock({ $0.stopped }) {
            usleep(50_000)
            waited += 0.05
            if waited >= tick {
                waited = 0
                draw(final: false)
            }
        }
    }

    private func draw(final: Bool) {
        let (tasks, drewBar) = state.withLock { ($0.tasks, $0.drewBar) }
        guard !tasks.isEmpty else { return }
        let now = Metrics.now()
        let texts = tasks.map { Self.describe($0.0, $0.1, now: now, barWidth: bar ? 24 : 0) }
        if bar {
            var line = "\r" + texts.joined(separator: " | ") + "\u{1B}[K"
            if final { line += "\n" }
            Self.writeRaw(line)
            state.withLock { $0.drewBar = !final }
        } else {
            if drewBar { Self.writeRaw("\n") }
            for (index, task) in tasks.enumerated() {
                Logger.info(
                    "progress: " + texts[index],
                    [("task", task.0), ("done", Metrics.number(task.1.done))]
                        + (task.1.total.map { [("total", Metrics.number($0))] } ?? []))
            }
        }
    }

    private static func describe(_ name: String, _ task: Task, now: Double, barWidth: Int) -> String {
        let elapsed = max(0.001, now - task.started)
        let rate = task.done / elapsed
        var text = "\(name): "
        if let total = task.total, total > 0 {
            let fraction = min(1, max(0, task.done / total))
            if barWidth > 0 {
                let filled = Int((fraction * Double(barWidth)).rounded(.down))
                text +=
                    "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
                    + "] "
            }
            text += "\(percent(fraction)) \(amount(task.done, task.unit)) of \(amount(total, task.unit))"
            text += ", \(amount(rate, task.unit))/s"
            if rate > 0 && fraction < 1 { text += ", ETA \(duration((total - task.done) / rate))" }
        } else {
            text += "\(amount(task.done, task.unit)), \(amount(rate, task.unit))/s"
        }
        if !task.detail.isEmpty { text += " (\(task.detail))" }
        return text
    }

    static func percent(_ fraction: Double) -> String {
        let tenths = Int((fraction * 1000).rounded(.down))
        return "\(tenths / 10).\(tenths % 10)%"
    }

    static func amount(_ value: Double, _ unit: Unit) -> String {
        switch unit {
        case .rows:
            return "\(Int(value)) rows"
        case .bytes:
            let units = ["B", "KiB", "MiB", "GiB", "TiB"]
            var scaled = value
            var index = 0
            while scaled >= 1024 && index < units.count - 1 {
                scaled /= 1024
                index += 1
            }
            if index == 0 { return "\(Int(scaled)) B" }
            let tenths = Int((scaled * 10).rounded())
            return "\(tenths / 10).\(tenths % 10) \(units[index])"
        }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 360_000 else { return "?" }
        let total = Int(seconds.rounded(.up))
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        if total >= 3600 { return "\(total / 3600):\(two(total / 60 % 60)):\(two(total % 60))" }
        return "\(total / 60):\(two(total % 60))"
    }

    private static func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var done = 0
            while done < raw.count, let base = raw.baseAddress {
                let wrote = Glibc.write(2, base + done, raw.count - done)
                if wrote <= 0 { return }
                done += wrote
            }
        }
    }
}
