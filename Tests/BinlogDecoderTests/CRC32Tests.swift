import BinlogCompression
import BinlogDecoder
import Testing

/// The pure-Swift CRC-32 against the standard check value and against zlib's `crc32` (the adapter's).
@Suite struct CRC32Tests {
    /// CRC-32/ISO-HDLC (the zlib/IEEE 802.3 CRC binlogs use): the CRC catalogue's check value for "123456789",
    /// the empty input, the pangram's widely published 0x414FA339 and a single zero byte's 0xD202EF8D.
    @Test func knownVectors() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([0x00]) == 0xD202_EF8D)
    }

    @Test func slicesAndContinuation() {
        let bytes = Array("123456789".utf8)
        #expect(CRC32.checksum(bytes[0...]) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("xx123456789".utf8)[2...]) == 0xCBF4_3926)
        // Continuing over pieces gives the checksum of the whole, at every split point.
        for split in 0...bytes.count {
            let first = bytes[..<split].withUnsafeBytes { CRC32.update(0, $0) }
            let whole = bytes[split...].withUnsafeBytes { CRC32.update(first, $0) }
            #expect(whole == 0xCBF4_3926, "split at \(split)")
        }
    }

    /// Random buffers of every length around the 8-byte slicing boundary and a few large ones, at odd alignments.
    @Test func matchesZlib() {
        var random = SeededRandom(seed: 0xC3C3_2024)
        var lengths = Array(0...80)
        lengths += [255, 256, 257, 4095, 4096, 65_537, 1 << 20]
        for length in lengths {
            let buffer = (0..<(length + 3)).map { _ in UInt8.random(in: 0...255, using: &random) }
            for start in 0..<3 {
                let slice = buffer[start..<(start + length)]
                let ours = slice.withUnsafeBytes { CRC32.update(0, $0) }
                let zlib = slice.withUnsafeBytes { SystemDecompressor.crc32($0) }
                #expect(ours == zlib, "length \(length), offset \(start)")
            }
        }
    }
}
