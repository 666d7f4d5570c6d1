#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A growable byte buffer for rendering records: appends are a capacity check and a store, without the
/// uniqueness and copy-on-write checks an `Array` pays on every append. Not copyable: one owner, no aliasing.
public struct OutputBuffer: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var used: Int
    @usableFromInline var capacity: Int

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
        self.used = 0
    }

    deinit { base.deallocate() }

    public var count: Int { used }
    public var isEmpty: Bool { used == 0 }

    /// The bytes written so far (valid until the next mutation).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: used) }

    /// A copy of the contents as an array (for tests and small uses).
    public var array: [UInt8] { Array(bytes) }

    /// From this size on, `moveToArray` gives the pages it has copied back to the system as it goes.
    static let largeMove = 8 << 20

    /// The contents as an array, leaving the buffer empty; its capacity is kept up to `keepCapacity` bytes, a larger
    /// buffer is replaced by a small one. A large buffer's pages are given
    /// back to the system as they are copied (`madvise(MADV_DONTNEED)`, then the buffer is freed), so the move never
    /// holds two copies of a large batch: a 64 MiB BLOB rendered as 85 MiB of base64 would otherwise need 170 MiB for
    /// an instant.
    public mutating func moveToArray(keepCapacity: Int = 1 << 20) -> [UInt8] {
        let count = used
        // Not `Array(unsafeUninitializedCapacity: 0)`: it writes into the stdlib's shared empty-array storage, a
        // data race when two threads do it (ThreadSanitizer reports it).
        let result = count == 0 ? [] : Self.copy(base, count: count)
        if count >= Self.largeMove || capacity > keepCapacity {
            // (A large buffer's copied pages were released: they must not be reused.)
            base.deallocate()
            capacity = 1 << 16
            base = .allocate(capacity: capacity)
        }
        used = 0
        return result
    }

    /// The `count` bytes at `source` as an array; from `largeMove` bytes on, the source's pages are released as
    /// they are copied.
    private static func copy(_ source: UnsafeMutablePointer<UInt8>, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { target, initialized in
            guard let target = target.baseAddress else {
                initialized = 0
                return
            }
            guard count >= Self.largeMove else {
                target.update(from: source, count: count)
                initialized = count
                return
            }
            let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
            let step = 1 << 20
            var done = 0
            // Whole pages inside the buffer that have been copied and not yet released start here.
            var released = (Int(bitPattern: source) + page - 1) / page * page - Int(bitPattern: source)
            while done < count {
                let length = min(step, count - done)
                (target + done).update(from: source + done, count: length)
                done += length
                let end = (Int(bitPattern: source) + done) / page * page - Int(bitPattern: source)
                if end > released {
                    _ = madvise(UnsafeMutableRawPointer(source + released), end - released, Int32(MADV_DONTNEED))
                    released = end
                }
            }
            initialized = count
        }
    }

    @usableFromInline
    mutating func grow(toFit extra: Int) {
        var newCapacity = capacity * 2
        while newCapacity - used < extra { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: used)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Makes room for `extra` more bytes, so that many appends need no further capacity checks to be fast.
    @inlinable @inline(__always)
    public mutating func reserve(_ extra: Int) {
        if capacity - used < extra { grow(toFit: extra) }
    }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if used == capacity { grow(toFit: 1) }
        base[used] = byte
        used += 1
    }

    @inlinable @inline(__always)
    public mutating func append(contentsOf raw: UnsafeRawBufferPointer) {
        let count = raw.count
        guard count > 0, let source = raw.baseAddress else { return }
        if capacity - used < count { grow(toFit: count) }
        (base + used).update(from: source.assumingMemoryBound(to: UInt8.self), count: count)
        used += count
    }

    @inlinable @inline(__always)
    public mutating func append(contentsOf array: [UInt8]) {
        array.withUnsafeBytes { append(contentsOf: $0) }
    }

    @inlinable @inline(__always)
    public mutating func append(contentsOf slice: ArraySlice<UInt8>) {
        slice.withUnsafeBytes { append(contentsOf: $0) }
    }

    @inlinable
    public mutating func append(contentsOf text: String.UTF8View) {
        for byte in text { append(byte) }
    }

    /// Writes `byte` at an earlier position (e.g. to patch a placeholder).
    public mutating func remove(at index: Int) {
        guard index >= 0, index < used else { return }
        (base + index).update(from: base + index + 1, count: used - index - 1)
        used -= 1
    }

    public mutating func removeAll() { used = 0 }

    /// Gives up to `count` bytes directly to `body` to fill; `body` returns how many it wrote.
    @inlinable
    public mutating func withUnsafeSpace(_ count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(count)
        used += body(base + used)
    }
}
