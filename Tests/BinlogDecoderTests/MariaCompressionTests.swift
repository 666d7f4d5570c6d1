import BinlogCompression
import BinlogDecoder
import Testing

/// MariaDB's compressed-event header (`binlog_buf_compress`): `0x80 | n`, the uncompressed length as an n-byte
/// (1–4) big-endian integer, then the zlib stream.
@Suite struct MariaCompressionTests {
    /// Records what the header parser hands to zlib.
    final class Recorder: Decompressor, @unchecked Sendable {
        var input: [UInt8] = []
        var size = -1

        func zstdStream(_ input: ArraySlice<UInt8>) throws(DecodeError) -> any DecompressionStream {
            throw DecodeError(.decompression, "no zstd here")
        }

        func zlibInflate(_ input: ArraySlice<UInt8>, uncompressedSize: Int) throws(DecodeError) -> [UInt8] {
            self.input = Array(input)
            size = uncompressedSize
            return [UInt8](repeating: 0x61, count: uncompressedSize)
        }
    }

    @Test(arguments: [
        ([UInt8(0x81), 0x05], 5),
        ([0x82, 0x01, 0x00], 256),
        ([0x83, 0x01, 0x02, 0x03], 0x01_0203),
        ([0x84, 0x00, 0x00, 0x10, 0x00], 4096),
    ])
    func lengthWidths(header: [UInt8], size: Int) throws {
        let recorder = Recorder()
        // Enough compressed bytes for the size (deflate expands at most 1032:1).
        let stream = [0x78, 0x9c, 0x01] + [UInt8](repeating: 0, count: size / MariaCompression.maxDeflateRatio)
        let output = try MariaCompression.inflate((header + stream)[...], using: recorder)
        #expect(recorder.size == size && output.count == size)
        #expect(recorder.input == stream)
    }

    /// A slice that does not start at index 0 (as events hand it over).
    @Test func sliceOffsets() throws {
        let recorder = Recorder()
        let data: [UInt8] = [0xee, 0xee, 0x81, 0x03, 0x78]
        _ = try MariaCompression.inflate(data[2...], using: recorder)
        #expect(recorder.size == 3 && recorder.input == [0x78])
    }

    @Test(arguments: [
        [UInt8](),  // empty
        [0x01, 0x05],  // top bit clear
        [0x80, 0x05],  // zero length bytes
        [0x85, 0, 0, 0, 0, 1],  // five length bytes
        [0x87, 0, 0],  // seven
        [0x82, 0x01],  // length bytes cut off
        [0x84, 0x00, 0x00],
    ])
    func badHeaders(data: [UInt8]) {
        do {
            _ = try MariaCompression.inflate(data[...], using: Recorder())
            Issue.record("\(data) accepted")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test func limits() throws {
        do {
            _ = try MariaCompression.inflate([0x84, 0x40, 0x00, 0x00, 0x01, 0x78][...], using: Recorder())
            Issue.record("1 GiB + 1 accepted")
        } catch {
            #expect(error.code == .limitExceeded)
        }
        let recorder = Recorder()
        #expect(try MariaCompression.inflate([0x81, 0x00][...], using: recorder).isEmpty)
        #expect(recorder.size == -1)
    }

    /// Found by the `event` fuzzer: a 314-byte compressed event claiming 729 MB made zlib's output buffer that big.
    /// A length more than 1032 times the compressed bytes cannot be true and is refused before zlib is called.
    @Test func lengthBeyondDeflateRatio() throws {
        let recorder = Recorder()
        for (header, compressed) in [([UInt8(0x84), 0x2b, 0x76, 0x9d, 0xad], 10), ([0x83, 0x00, 0x28, 0x51], 10)] {
            do {
                _ = try MariaCompression.inflate(
                    (header + [UInt8](repeating: 0x78, count: compressed))[...], using: recorder)
                Issue.record("\(header) accepted for \(compressed) compressed bytes")
            } catch {
                #expect(error.code == .malformed && error.message.contains("1032:1"), "\(error)")
            }
        }
        #expect(recorder.size == -1)
        // Exactly 1032:1 is possible (long runs of one byte) and goes to zlib.
        _ = try MariaCompression.inflate(
            ([0x83, 0x00, 0x28, 0x50] + [UInt8](repeating: 0x78, count: 10))[...], using: recorder)
        #expect(recorder.size == 10_320)
    }

    /// zlib itself (the adapter) on damaged streams: errors, not crashes.
    @Test func systemDecompressorRejectsDamage() {
        let zlib = SystemDecompressor()
        for input in [[UInt8](), [0x78, 0x9c], [0x00, 0x01, 0x02, 0x03], [UInt8](repeating: 0xff, count: 64)] {
            #expect(throws: DecodeError.self) { try zlib.zlibInflate(input[...], uncompressedSize: 100) }
        }
        #expect(throws: DecodeError.self) { try zlib.zlibInflate([0x78][...], uncompressedSize: -1) }
        #expect(throws: DecodeError.self) { try zlib.zlibInflate([0x78][...], uncompressedSize: (1 << 30) + 1) }
    }

    /// A real compressed event of the fixture workload: the header says how long the statement is.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func realCompressedQuery() throws {
        let bytes = try Fixtures.bytes("mariadb/compressed/mysql-bin.000002")
        let binlog = DecodedBinlog(bytes)
        let entry = try #require(binlog.entries.first { $0.event.header.type == .mariaQueryCompressed })
        guard case .query(let query) = entry.event.body else {
            Issue.record("not a query")
            return
        }
        #expect(!query.query.isEmpty)
        #expect(query.query.utf8.allSatisfy { $0 != 0 })
    }
}
