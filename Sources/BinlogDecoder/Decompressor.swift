/// Decompression the decoder needs but cannot do itself (it has no C): zstd for MySQL compressed transactions,
/// zlib for MariaDB compressed events. Implemented by the `BinlogCompression` adapter.
public protocol Decompressor: Sendable {
    /// A streaming zstd decompressor over `input`: the output is pulled in pieces, so memory stays bounded
    /// however large the transaction is.
    func zstdStream(_ input: ArraySlice<UInt8>) throws(DecodeError) -> any DecompressionStream
    /// Inflates a zlib stream whose uncompressed size is known and bounded (MariaDB events).
    func zlibInflate(_ input: ArraySlice<UInt8>, uncompressedSize: Int) throws(DecodeError) -> [UInt8]
}

public protocol DecompressionStream {
    /// Appends at most `maxCount` decompressed bytes to `buffer`; returns how many, 0 at the end of the stream.
    mutating func read(into buffer: inout [UInt8], maxCount: Int) throws(DecodeError) -> Int
}

/// MariaDB's compressed event format (`binlog_buf_compress`): a header byte `0x80 | n`, then the uncompressed
/// length as an n-byte (1–4) big-endian integer, then a zlib stream.
public enum MariaCompression {
    /// MariaDB events are bounded by `max_allowed_packet` (at most 1 GiB).
    public static let maxUncompressedSize = 1 << 30
    /// Deflate cannot expand data more than 1032:1 (a 258-byte match per pair of codes, zlib's FAQ).
    public static let maxDeflateRatio = 1032

    public static func inflate(_ data: ArraySlice<UInt8>, using decompressor: any Decompressor) throws(DecodeError)
        -> [UInt8]
    {
        guard let first = data.first else {
            throw DecodeError(.malformed, "empty compressed data")
        }
        let lengthBytes = Int(first & 0x07)
        guard first & 0x80 != 0, (1...4).contains(lengthBytes), data.count > lengthBytes else {
            throw DecodeError(.malformed, "bad compressed-data header byte 0x\(String(first, radix: 16))")
        }
        var length = 0
        for index in 1...lengthBytes {
            length = (length << 8) | Int(data[data.startIndex + index])
        }
        guard length <= maxUncompressedSize else {
            throw DecodeError(.limitExceeded, "compressed event claims \(length) bytes uncompressed")
        }
        // The output buffer is sized by the header: a length the compressed bytes cannot inflate to is a lie,
        // refused before anything is allocated for it.
        let compressed = data.count - 1 - lengthBytes
        guard length <= compressed * maxDeflateRatio else {
            throw DecodeError(
                .malformed,
                "compressed event claims \(length) bytes uncompressed from \(compressed) compressed bytes "
                    + "(zlib inflates at most \(maxDeflateRatio):1)")
        }
        if length == 0 { return [] }
        return try decompressor.zlibInflate(data[(data.startIndex + 1 + lengthBytes)...], uncompressedSize: length)
    }
}
