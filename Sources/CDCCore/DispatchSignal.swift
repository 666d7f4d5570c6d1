import Dispatch

/// A one-shot "done" flag a worker sets and the owner waits for.
final class DispatchSignal: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    func signal() { semaphore.signal() }
    func wait() { semaphore.wait() }
}
