import Dispatch
import Synchronization

/// Runs another sink's `write` and `flush` on a thread of its own, fed through a bounded hand-off of
/// `capacity` batches, so the pipeline's thread goes on reading and decoding while the sink waits on its network
/// (the Redis sink's replies). The contract of `RecordSink` holds as before: batches reach the sink in order,
/// `flush` returns once the sink's own `flush` has returned (everything written is durable), and a failure of the
/// sink is thrown by the next `write` or `flush`; after one, no further batch reaches the sink.
public final class ThreadedSink: RecordSink {
    private enum Work: @unchecked Sendable {
        case batch(RecordBatch)
        /// Push (nobody waits for it).
        case push
        /// Flush, then signal.
        case flush(DispatchSemaphore)
        /// Stop the thread, then signal.
        case stop(DispatchSemaphore)
    }

    public let description: String
    public let wantsKeys: Bool
    /// The wrapped sink, used by the worker thread until it stops, then by `close`.
    private let sink: any RecordSink
    private let handOff: BoundedHandOff<Work>
    private let worker: Worker
    private var running = true

    public init(_ sink: any RecordSink, capacity: Int = 2) {
        self.sink = sink
        self.description = sink.description
        self.wantsKeys = sink.wantsKeys
        self.handOff = BoundedHandOff(capacity: capacity)
        self.worker = Worker(sink: sink, handOff: handOff)
        let worker = self.worker
        DispatchQueue(label: "binlog-sink.sink-thread").async { worker.run() }
    }

    deinit {
        stopThread()
    }

    public func write(_ batch: RecordBatch) throws(CDCError) {
        if let failure = worker.failure.withLock({ $0 }) { throw failure }
        guard running else { throw CDCError(.sink, "\(description): the sink is closed") }
        handOff.put(.batch(batch))
    }

    /// Queues a push of the wrapped sink and returns: its thread pushes after the batches before it.
    public func push() throws(CDCError) {
        if let failure = worker.failure.withLock({ $0 }) { throw failure }
        guard running else { throw CDCError(.sink, "\(description): the sink is closed") }
        handOff.put(.push)
    }

    public func flush() throws(CDCError) {
        if let failure = worker.failure.withLock({ $0 }) { throw failure }
        guard running else { throw CDCError(.sink, "\(description): the sink is closed") }
        let done = DispatchSemaphore(value: 0)
        handOff.put(.flush(done))
        done.wait()
        if let failure = worker.failure.withLock({ $0 }) { throw failure }
    }

    public func close() throws(CDCError) {
        stopThread()
        try sink.close()
    }

    private func stopThread() {
        guard running else { return }
        running = false
        let done = DispatchSemaphore(value: 0)
        handOff.put(.stop(done))
        done.wait()
    }

    /// The thread's loop: the wrapped sink is only touched here while it runs.
    private final class Worker: @unchecked Sendable {
        let sink: any RecordSink
        let handOff: BoundedHandOff<Work>
        let failure = Mutex<CDCError?>(nil)

        init(sink: any RecordSink, handOff: BoundedHandOff<Work>) {
            self.sink = sink
            self.handOff = handOff
        }

        func run() {
            var failed = false
            while true {
                switch handOff.take() {
                case .batch(let batch):
                    guard !failed else { continue }
                    do throws(CDCError) {
                        try sink.write(batch)
                    } catch {
                        fail(error, &failed)
                    }
                case .push:
                    guard !failed else { continue }
                    do throws(CDCError) {
                        try sink.push()
                    } catch {
                        fail(error, &failed)
                    }
                case .flush(let done):
                    if !failed {
                        do throws(CDCError) {
                            try sink.flush()
                        } catch {
                            fail(error, &failed)
                        }
                    }
                    done.signal()
                case .stop(let done):
                    done.signal()
                    return
                }
            }
        }

        private func fail(_ error: CDCError, _ failed: inout Bool) {
            failed = true
            failure.withLock { if $0 == nil { $0 = error } }
        }
    }
}
