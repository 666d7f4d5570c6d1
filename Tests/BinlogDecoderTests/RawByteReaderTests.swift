import BinlogDecoder
import Testing

/// The raw-buffer cursor must read, fail and stay put exactly like `ByteReader` (the row decoder uses either).
@Suite struct RawByteReaderTests {
    enum Step: CaseIterable { case le, be, range, packed }

    /// Random read sequences over random bytes (packed-integer prefixes made likely): identical values, errors and
    /// positions.
    @Test func behavesLikeByteReader() {
        var random = SeededRandom(seed: 0x5eed_0001)
        for _ in 0..<3000 {
            let count = Int.random(in: 0...24, using: &random)
            let bytes: [UInt8] = (0..<count).map { _ in
                Bool.random(using: &random)
                    ? [0xfb, 0xfc, 0xfd, 0xfe, 0xff][Int.random(in: 0...4, using: &random)]
                    : UInt8.random(in: 0...255, using: &random)
            }
            let start = Int.random(in: 0...max(0, count), using: &random)
            let end = Int.random(in: start...max(start, count), using: &random)
            var safe = ByteReader(bytes, range: start..<end)
            bytes.withUnsafeBytes { raw in
                var fast = RawByteReader(raw, position: start, end: end)
                for _ in 0..<6 {
                    let width = Int.random(in: 0...9, using: &random)
                    let step = Step.allCases[Int.random(in: 0...3, using: &random)]
                    let a: Result<UInt64, DecodeError>
                    let b: Result<UInt64, DecodeError>
                    switch step {
                    case .le:
                        let w = min(width, 8)
                        a = Result { () throws(DecodeError) in try safe.readLE(w, "x") }
                        b = Result { () throws(DecodeError) in try fast.readLE(w, "x") }
                    case .be:
                        let w = min(width, 8)
                        a = Result { () throws(DecodeError) in try safe.readBE(w, "x") }
                        b = Result { () throws(DecodeError) in try fast.readBE(w, "x") }
                    case .range:
                        a = Result { () throws(DecodeError) in UInt64(try safe.readRange(width, "x").lowerBound) }
                        b = Result { () throws(DecodeError) in UInt64(try fast.readRange(width, "x").lowerBound) }
                    case .packed:
                        a = Result { () throws(DecodeError) in try safe.readPackedInt("x") }
                        b = Result { () throws(DecodeError) in try fast.readPackedInt("x") }
                    }
                    switch (a, b) {
                    case (.success(let x), .success(let y)): #expect(x == y, "\(step) over \(bytes)")
                    case (.failure(let x), .failure(let y)): #expect(x.code == y.code, "\(step) over \(bytes)")
                    default: Issue.record("\(step): \(a) vs \(b) over \(bytes)")
                    }
                    #expect(safe.position == fast.position, "\(step) over \(bytes)")
                }
            }
        }
    }

    @Test func clampsItsRange() {
        let bytes: [UInt8] = [1, 2, 3]
        bytes.withUnsafeBytes { raw in
            let past = RawByteReader(raw, position: 5, end: 9)
            #expect(past.position == 3 && past.end == 3)
            let inverted = RawByteReader(raw, position: 2, end: 1)
            #expect(inverted.end == 2)
            #expect(RawByteReader(raw, position: 1, end: 3).byte(at: 2) == 3)
        }
    }
}
