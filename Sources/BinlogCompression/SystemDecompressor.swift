import BinlogDecoder
import CZlib
import CZstd

/// The decoder's `Decompressor` backed by Debian's libzstd and zlib.
public struct SystemDecompressor: Decompressor {
    public init() {}

    /// zlib's CRC-32 (the same polynomial binlogs use), several times faster than a portable table loop.
    public static let crc32: @Sendable (UnsafeRawBufferPointer) -> UInt32 = { bytes in
        var crc: uLong = 0
        var offset = 0
        // zlib takes a 32-bit length: feed very large buffers in pieces.
        while offset < bytes.count {
            let piece = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(
                crc, bytes.baseAddress.map { ($0 + offset).assumingMemoryBound(to: Bytef.self) }, uInt(piece))
            offset += piece
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    public func zstdStream(_ input: ArraySlice<UInt8>) throws(DecodeError) -> any DecompressionStream {
        try ZstdStream(input: input)
    }

    public func zlibInflate(_ input: ArraySlice<UInt8>, uncompressedSize: Int) throws(DecodeError) -> [UInt8] {
        guard uncompressedSize >= 0, uncompressedSize <= MariaCompression.maxUncompressedSize else {
            throw DecodeError(.limitExceeded, "zlib data claims \(uncompressedSize) bytes uncompressed")
        }
        // Bounded above, and by the compressed size (MariaCompression.inflate); filled by zlib, never read before:
        // pages a lying header would reserve are not touched.
        var status = Z_OK
        var outputLength = uLongf(uncompressedSize)
        let output = [UInt8](unsafeUninitializedCapacity: uncompressedSize) { out, initializedCount in
            status = input.withUnsafeBytes { source in
                uncompress(
                    out.baseAddress, &outputLength,
                    source.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(source.count))
            }
            initializedCount = status == Z_OK ? Int(outputLength) : 0
        }
        guard status == Z_OK else {
            throw DecodeError(.decompression, "zlib inflate failed (\(Self.zlibMessage(status)))")
        }
        guard Int(outputLength) == uncompressedSize else {
            throw DecodeError(
                .decompression, "zlib data inflated to \(outputLength) bytes, header said \(uncompressedSize)")
        }
        return output
    }

    static func zlibMessage(_ status: Int32) -> String {
        switch status {
        case Z_BUF_ERROR: return "output larger than declared"
        case Z_DATA_ERROR: return "corrupt data"
        case Z_MEM_ERROR: return "out of memory"
        default: return "status \(status)"
        }
    }
}

/// Streaming zstd decompression: output is produced in pieces of at most `maxCount` bytes, so a compressed
/// transaction of any size is never inflated into one buffer.
final class ZstdStream: DecompressionStream {
    /// The stream handle; owned by this object, freed in `deinit`.
    private let stream: OpaquePointer
    private let input: ArraySlice<UInt8>
    private var inputPosition = 0
    private var finished = false
    private var scratch = [UInt8](repeating: 0, count: 1 << 17)

    init(input: ArraySlice<UInt8>) throws(DecodeError) {
        guard let stream = ZSTD_createDStream() else {
            throw DecodeError(.decompression, "zstd: cannot create a decompression stream")
        }
        self.stream = stream
        self.input = input
        let initialized = ZSTD_initDStream(stream)
        if ZSTD_isError(initialized) != 0 {
            ZSTD_freeDStream(stream)
            throw DecodeError(.decompression, "zstd: \(String(cString: ZSTD_getErrorName(initialized)))")
        }
    }

    deinit { ZSTD_freeDStream(stream) }

    func read(into buffer: inout [UInt8], maxCount: Int) throws(DecodeError) -> Int {
        if finished || maxCount <= 0 { return 0 }
        var produced = 0
        while produced == 0 {
            let want = min(maxCount, scratch.count)
            var errorCode: Int?
            var reachedEnd = false
            let inputCount = input.count
            let position = inputPosition
            let (written, consumed) = scratch.withUnsafeMutableBytes { out -> (Int, Int) in
                input.withUnsafeBytes { source -> (Int, Int) in
                    var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: inputCount, pos: position)
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: want, pos: 0)
                    let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    if ZSTD_isError(result) != 0 {
                        errorCode = result
                    } else if result == 0 {
                        reachedEnd = true
                    }
                    return (outBuffer.pos, inBuffer.pos - position)
                }
            }
            if let errorCode {
                throw DecodeError(.decompression, "zstd: \(String(cString: ZSTD_getErrorName(errorCode)))")
            }
            inputPosition += consumed
            buffer.append(contentsOf: scratch[0..<written])
            produced += written
            if reachedEnd && inputPosition >= inputCount {
                finished = true
                break
            }
            if written == 0 && consumed == 0 {
                if inputPosition >= inputCount {
                    throw DecodeError(.decompression, "zstd: compressed transaction ends in the middle of a frame")
                }
                throw DecodeError(.decompression, "zstd: no progress decoding the compressed transaction")
            }
        }
        return produced
    }
}
