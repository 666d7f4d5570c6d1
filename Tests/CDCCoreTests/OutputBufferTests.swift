import CDCCore
import Testing

@Suite struct OutputBufferTests {
    @Test func growsAndKeepsItsBytes() {
        var buffer = OutputBuffer(capacity: 1)
        var expected: [UInt8] = []
        for index in 0..<10_000 {
            let byte = UInt8(truncatingIfNeeded: index)
            buffer.append(byte)
            expected.append(byte)
        }
        let chunk = [UInt8](repeating: 0xab, count: 100_000)
        buffer.append(contentsOf: chunk)
        expected += chunk
        buffer.append(contentsOf: chunk[10..<20])
        expected += chunk[10..<20]
        buffer.append(contentsOf: "héllo".utf8)
        expected += Array("héllo".utf8)
        #expect(buffer.count == expected.count && buffer.array == expected)
        buffer.removeAll()
        #expect(buffer.isEmpty && buffer.array.isEmpty)
    }

    @Test func removeAndUnsafeSpace() {
        var buffer = OutputBuffer(capacity: 64)
        buffer.append(contentsOf: Array("a-bc".utf8))
        buffer.remove(at: 1)
        buffer.remove(at: 99)
        buffer.remove(at: -1)
        #expect(buffer.array == Array("abc".utf8))
        buffer.withUnsafeSpace(1000) { target in
            for index in 0..<1000 { target[index] = 0x7a }
            return 1000
        }
        #expect(buffer.count == 1003 && buffer.array.last == 0x7a)
        buffer.withUnsafeSpace(10) { _ in 0 }
        #expect(buffer.count == 1003)
        buffer.append(contentsOf: [UInt8]())
        #expect(buffer.count == 1003)
    }
}
