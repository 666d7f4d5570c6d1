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
