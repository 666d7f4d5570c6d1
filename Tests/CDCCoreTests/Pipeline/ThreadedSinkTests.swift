import Dispatch
import Glibc
import Synchronization
import Testing

@testable import CDCCore

/// The sink thread keeps the `RecordSink` contract: batches arrive in order on one thread other than the caller's,
/// `flush` returns only after the wrapped sink's flush, a failure is thrown by the next call and stops delivery,
/// and `write` blocks while the hand-off is full.
@Suite struct ThreadedSinkTests {
    /// Records what it is given; can fail at a chosen batch and hold its writes until released.
    final class RecordingSink: RecordSink, @unchecked Sendable {
        struct Log {
            var batches: [Int] = []
            var flushes: [Int] = []
            var pushes: [Int] = []
            var closed = false
            var threads: Set<String> = []
        }
        let log = Mutex(Log())
        let failAt: Int?
        let gate: DispatchSemaphore?

        init(failAt: Int? = nil, gate: DispatchSemaphore? = nil) {
            self.failAt = failAt
            self.gate = gate
        }

        var description: String { "recording" }
        var wantsKeys: Bool { true }

        func write(_ batch: RecordBatch) throws(CDCError) {
            gate?.wait()
            let number = batch.values.first.map(Int.init) ?? -1
            if number == failAt { throw CDCError(.sink, "batch \(number) refused") }
            let thread = "\(pthread_self())"
            log.withLock {
                $0.batches.append(number)
                $0.threads.insert(thread)
            }
        }

        func push() throws(CDCError) {
            log.withLock { $0.pushes.append($0.batches.count) }
        }

        func flush() throws(CDCError) {
            log.withLock { $0.flushes.append($0.batches.count) }
        }

        func close() throws(CDCError) {
            log.withLock { $0.closed = true }
        }
    }

    static func batch(_ number: Int) -> RecordBatch {
        RecordBatch(values: [UInt8(number)])
    }

    /// `push` returns at once (the wrapped sink is still busy with a write) and reaches the wrapped sink after the
    /// batches before it; it is no flush.
    @Test func pushIsQueuedInOrderWithoutWaiting() throws {
        let gate = DispatchSemaphore(value: 0)
        let inner = RecordingSink(gate: gate)
        let sink = ThreadedSink(inner, capacity: 4)
        try sink.write(Self.batch(1))
        try sink.push()
        #expect(inner.log.withLock { $0.pushes }.isEmpty, "the push overtook the held write")
        gate.signal()
        gate.signal()
        try sink.write(Self.batch(2))
        try sink.flush()
        let log = inner.log.withLock { $0 }
        #expect(log.batches == [1, 2])
        #expect(log.pushes == [1], "pushed after batch 1, before batch 2")
        #expect(log.flushes == [2])
        try sink.close()
    }

    @Test func deliversInOrderOnItsOwnThreadAndFlushWaits() throws {
        let inner = RecordingSink()
        let sink = ThreadedSink(inner, capacity: 2)
        #expect(sink.description == "recording")
        #expect(sink.wantsKeys)
        for number in 0..<50 {
            try sink.write(Self.batch(number))
            if number % 10 == 9 {
                try sink.flush()
                // Everything written before the flush reached the sink before flush returned.
                let seen = inner.log.withLock { $0.batches.count }
                #expect(seen == number + 1)
            }
        }
        try sink.close()
        let log = inner.log.withLock { $0 }
        #expect(log.batches == Array(0..<50))
        #expect(log.flushes == [10, 20, 30, 40, 50])
        #expect(log.closed)
        #expect(log.threads.count == 1)
        #expect(!log.threads.contains("\(pthread_self())"))
    }

    @Test func failureIsThrownByTheNextCallAndStopsDelivery() throws {
        let inner = RecordingSink(failAt: 3)
        let sink = ThreadedSink(inner, capacity: 2)
        for number in 0..<3 { try sink.write(Self.batch(number)) }
        var thrown: CDCError?
        do {
            for number in 3..<10 { try sink.write(Self.batch(number)) }
            try sink.flush()
        } catch {
            thrown = error
        }
        #expect(thrown?.message.contains("batch 3 refused") == true)
        // No flush succeeds after the failure, and no later batch reached the sink.
        #expect(throws: CDCError.self) { try sink.flush() }
        try sink.close()
        let log = inner.log.withLock { $0 }
        #expect(log.batches == [0, 1, 2])
        #expect(log.flushes.isEmpty)
    }

    @Test func writeBlocksWhileTheHandOffIsFull() throws {
        let gate = DispatchSemaphore(value: 0)
        let inner = RecordingSink(gate: gate)
        let sink = ThreadedSink(inner, capacity: 2)
        let written = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        let writer = UncheckedBox(sink)
        DispatchQueue.global().async {
            for number in 0..<6 {
                try? writer.value.write(Self.batch(number))
                written.withLock { $0 += 1 }
            }
            done.signal()
        }
        // The sink holds batch 0 at its gate, two more wait in the hand-off: the fourth write cannot return. (Waits
        // for the first three however slow the machine or a sanitizer makes the writer, then gives it time to pass.)
        let clock = ContinuousClock()
        let started = clock.now
        while written.withLock({ $0 }) < 3 && clock.now - started < .seconds(30) { usleep(10_000) }
        usleep(300_000)
        #expect(written.withLock { $0 } == 3)
        for _ in 0..<6 { gate.signal() }
        done.wait()
        try sink.flush()
        try sink.close()
        #expect(inner.log.withLock { $0.batches } == Array(0..<6))
    }

    final class UncheckedBox<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}
