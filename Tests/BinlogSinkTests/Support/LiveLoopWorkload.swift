import Foundation

/// Small transactions in a loop on a thread of their own, until stopped — written while the server goes down and
/// comes back: a transaction that fails (server away) is counted and the loop goes on with the next batch, so every
/// batch uses its own keys whatever happened to the previous one. What really got committed is what the server's
/// tables and binlogs say, not these counters.
final class LiveLoopWorkload: @unchecked Sendable {  // counters and the stop flag are guarded by `lock`
    private let lock = NSLock()
    private var stopRequested = false
    private var committedCount = 0
    private var failedCount = 0
    private var batchCount = 0
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the loop: for batch N, `sql(N)` in one session.
    init(client: MariaDBClient, pause: useconds_t = 20_000, sql: @escaping @Sendable (Int) -> String) {
        Thread.detachNewThread { [self] in
            var batch = 0
            while !lock.withLock({ stopRequested }) {
                let ok = (try? client.run(sql(batch), timeout: 30)) != nil
                lock.withLock {
                    if ok { committedCount += 1 } else { failedCount += 1 }
                    batchCount = batch + 1
                }
                batch += 1
                usleep(ok ? pause : 200_000)
            }
            finished.signal()
        }
    }

    var committed: Int { lock.withLock { committedCount } }
    var failed: Int { lock.withLock { failedCount } }
    var batches: Int { lock.withLock { batchCount } }

    /// Stops after the transaction in progress and waits for the thread.
    func stop() {
        lock.withLock { stopRequested = true }
        finished.wait()
    }
}
