import Dispatch
import Synchronization

/// A bounded queue between two threads: `put` waits while `capacity` items are queued, so a slow consumer slows
/// the producer (backpressure) and memory stays bounded. Used between the pipeline's thread and a sink's own thread
/// (`ThreadedSink`, the Kafka sink's producer thread).
public final class BoundedHandOff<Item: Sendable>: Sendable {
    private let items = Mutex<[Item]>([])
    /// Free places: `put` takes one, `take` gives it back.
    private let slots: DispatchSemaphore
    /// Queued items: `put` signals, `take` waits.
    private let queued = DispatchSemaphore(value: 0)

    public init(capacity: Int) {
        slots = DispatchSemaphore(value: max(1, capacity))
    }

    /// Queues `item`, waiting for a free place.
    public func put(_ item: Item) {
        slots.wait()
        items.withLock { $0.append(item) }
        queued.signal()
    }

    /// The oldest item, waiting up to `timeout` for one; nil when none came.
    public func take(timeout: DispatchTimeInterval) -> Item? {
        guard queued.wait(timeout: .now() + timeout) == .success else { return nil }
        return removeFirst()
    }

    /// The oldest item, waiting as long as it takes.
    public func take() -> Item {
        queued.wait()
        return removeFirst()
    }

    private func removeFirst() -> Item {
        let item = items.withLock { $0.removeFirst() }
        slots.signal()
        return item
    }
}
