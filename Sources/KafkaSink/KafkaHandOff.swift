import Dispatch
import Synchronization

/// The bounded queue between the pipeline's thread (`KafkaSink.write`/`flush`/`close`) and the sink's producer
/// thread: `put` waits while `capacity` items are queued, so a slow or unreachable cluster slows the pipeline
/// (backpressure) and memory stays bounded.
final class KafkaHandOff<Item: Sendable>: Sendable {
    private let items = Mutex<[Item]>([])
    /// Free places: `put` takes one, `take` gives it back.
    private let slots: DispatchSemaphore
    /// Queued items: `put` signals, `take` waits.
    private let queued = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        slots = DispatchSemaphore(value: capacity)
    }

    /// Queues `item`, waiting for a free place.
    func put(_ item: Item) {
        slots.wait()
        items.withLock { $0.append(item) }
        queued.signal()
    }

    /// The oldest item, waiting up to `timeout` for one; nil when none came.
    func take(timeout: DispatchTimeInterval) -> Item? {
        guard queued.wait(timeout: .now() + timeout) == .success else { return nil }
        let item = items.withLock { $0.removeFirst() }
        slots.signal()
        return item
    }
}
