import CDCCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM and SIGINT for `run`: the first asks for a graceful stop (the stream stops reading, the pipeline hands
/// everything to the sink, flushes it, saves the checkpoint, and the run exits 0); a second one exits at once with
/// status 6 (`ErrorReporter.secondSignalStatus`), and a graceful stop still running after `timeout` seconds exits
/// with status 7. Either way the saved position is the last checkpoint, so a restart resumes without a gap.
///
/// The C handler only writes a byte to a pipe (async-signal-safe); a thread of its own reads the pipe and does the
/// rest, so stopping never runs inside a signal handler.
final class ShutdownSignal: Sendable {
    static let shared = ShutdownSignal()

    private struct State {
        var installed = false
        var requested = false
        var stops: [@Sendable () -> Void] = []
        var timeout: Double = 30
        var signalName = ""
    }
    private let state = Mutex(State())

    /// Whether a stop was asked for.
    var requested: Bool { state.withLock { $0.requested } }

    /// Which signal asked for the stop (for the summary), empty when none.
    var signalName: String { state.withLock { $0.signalName } }

    /// Installs the handlers (once); `timeout` bounds a graceful stop.
    func install(timeout: Double) throws(CDCError) {
        let first = state.withLock { state -> Bool in
            state.timeout = timeout
            defer { state.installed = true }
            return !state.installed
        }
        guard first else { return }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw CDCError(.io, "cannot create the signal pipe: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        signalPipeWrite = fds[1]
        let reader = fds[0]
        BackgroundThread.start { [self] in watch(reader) }
        for number in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = Glibc.write(signalPipeWrite, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        // A parent (a test runner, a supervisor's thread) may have left them blocked: this process wants them.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Runs `stop` when a stop is asked for (at once if it already was). Stops run on the signal thread and must
    /// only set flags or shut sockets down.
    func onStop(_ stop: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.requested { return true }
            state.stops.append(stop)
            return false
        }
        if now { stop() }
    }

    /// Asks for a stop as a signal would (tests, `--until` reached elsewhere).
    func request(_ name: String) {
        let stops = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.requested else { return [] }
            state.requested = true
            state.signalName = name
            return state.stops
        }
        for stop in stops { stop() }
    }

    private func watch(_ reader: Int32) {
        var count = 0
        while true {
            var byte: UInt8 = 0
            let got = read(reader, &byte, 1)
            if got < 0 && errno == EINTR { continue }
            guard got == 1 else { return }
            count += 1
            let name = byte == UInt8(SIGINT) ? "SIGINT" : "SIGTERM"
            if count == 1 {
                let timeout = state.withLock { $0.timeout }
                Logger.info(
                    "\(name): stopping (flushing the sink and saving the checkpoint; a second signal exits at once)",
                    [("signal", name)])
                request(name)
                BackgroundThread.start {
                    var wait = timespec(
                        tv_sec: Int(timeout.rounded(.down)),
                        tv_nsec: Int((timeout - timeout.rounded(.down)) * 1e9))
                    var remaining = timespec()
                    while nanosleep(&wait, &remaining) != 0 && errno == EINTR { wait = remaining }
                    Logger.error(
                        "the graceful stop did not finish within --shutdown-timeout \(Self.seconds(timeout)) s: exiting; "
                            + "the next run resumes from the last saved checkpoint")
                    _exit(ErrorReporter.shutdownTimeoutStatus)
                }
            } else {
                Logger.error(
                    "\(name) again: exiting at once; the next run resumes from the last saved checkpoint",
                    [("signal", name)])
                _exit(ErrorReporter.secondSignalStatus)
            }
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// The write end of the signal pipe, read by the C handler (set once before the handlers are installed).
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1

/// Detached POSIX threads for the few background jobs of the command (signals, metrics, progress).
enum BackgroundThread {
    static func start(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {  // handed to the new thread, which takes it over
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body))
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                Unmanaged<Box>.fromOpaque(argument).takeRetainedValue().body()
                return nil
            }, box.toOpaque())
        if started == 0 {
            pthread_detach(thread)
        } else {
            box.release()
            Logger.error("cannot start a background thread (error \(started))")
        }
    }
}
