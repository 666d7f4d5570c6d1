/// The header of MySQL's `TRANSACTION_PAYLOAD_EVENT` (40, MySQL 8.0.20+ with
/// `binlog_transaction_compression=ON`): a whole transaction's events, compressed, in one event
/// (`Transaction_payload_event`; header codec `codecs::binary::Transaction_payload::decode`).
///
/// Body: a list of fields `type · length · value`, each a length-encoded integer (`ByteReader.readPackedInt`),
/// ended by a field of type 0 (`OTW_PAYLOAD_HEADER_END_MARK`), then the payload:
/// - 1 `OTW_PAYLOAD_SIZE_FIELD`: the payload's size in bytes (required);
/// - 2 `OTW_PAYLOAD_COMPRESSION_TYPE_FIELD`: 0 = zstd, 255 = none (required);
/// - 3 `OTW_PAYLOAD_UNCOMPRESSED_SIZE_FIELD`: the size after decompression (informational; left out when
///   uncompressed);
/// - other types are skipped by their `length`, as MySQL does.
///
/// The decompressed payload is a sequence of ordinary binlog events (header included, no CRC32).
public struct TransactionPayloadHeader: Sendable, Equatable {
    /// `compression_type`.
    public enum Compression: Sendable, Equatable {
        /// 0: `ZSTD`.
        case zstd
        /// 255: `NONE`, the payload is the events as they are.
        case none
        /// A type this decoder does not know (MySQL itself refuses such an event).
        case other(UInt64)

        init(code: UInt64) {
            switch code {
            case 0: self = .zstd
            case 255: self = .none
            default: self = .other(code)
            }
        }
    }

    /// `compression_type` (field 2).
    public var compression: Compression
    /// `payload_size` (field 1): the bytes of the (compressed) payload.
    public var payloadSize: UInt64
    /// `uncompressed_size` (field 3): the bytes after decompression, as recorded by the writer; `payloadSize` when
    /// the field is absent (uncompressed payloads).
    public var uncompressedSize: UInt64
    /// Where the payload is in the event bytes given to `parse`.
    public var payload: Range<Int>

    /// Field types of the header (`Transaction_payload_event::fields`, "OTW" = on the wire).
    static let endMarkField: UInt64 = 0
    static let payloadSizeField: UInt64 = 1
    static let compressionTypeField: UInt64 = 2
    static let uncompressedSizeField: UInt64 = 3

    public init(compression: Compression, payloadSize: UInt64, uncompressedSize: UInt64, payload: Range<Int>) {
        self.compression = compression
        self.payloadSize = payloadSize
        self.uncompressedSize = uncompressedSize
        self.payload = payload
    }

    /// Parses the body of a `TRANSACTION_PAYLOAD` event (after the header, before the CRC32 if any).
    public static func parse(_ bytes: [UInt8], body: Range<Int>) throws(DecodeError) -> TransactionPayloadHeader {
        var reader = ByteReader(bytes, range: body)
        var payloadSize: UInt64?
        var compression: Compression?
        var uncompressedSize: UInt64?
        while !reader.isAtEnd {
            let type = try reader.readPackedInt("payload header field type")
            if type == endMarkField {
                guard let payloadSize, let compression else {
                    throw DecodeError(
                        .malformed,
                        "TRANSACTION_PAYLOAD header ends without its \(payloadSize == nil ? "payload_size" : "compression_type")"
                    )
                }
                guard payloadSize <= UInt64(reader.remaining) else {
                    throw DecodeError(
                        .malformed,
                        "TRANSACTION_PAYLOAD payload_size \(payloadSize) is more than the \(reader.remaining) bytes left"
                    )
                }
                let payload = try reader.readRange(Int(payloadSize), "payload")
                return TransactionPayloadHeader(
                    compression: compression, payloadSize: payloadSize,
                    uncompressedSize: uncompressedSize ?? payloadSize, payload: payload)
            }
            // `length` is the size of the value; MySQL reads the known fields' values as length-encoded integers
            // and uses `length` only to skip fields it does not know.
            let length = try reader.readPackedInt("payload header field length")
            switch type {
            case payloadSizeField:
                payloadSize = try reader.readPackedInt("payload_size")
            case compressionTypeField:
                compression = Compression(code: try reader.readPackedInt("compression_type"))
            case uncompressedSizeField:
                uncompressedSize = try reader.readPackedInt("uncompressed_size")
            default:
                guard length <= UInt64(reader.remaining) else {
                    throw DecodeError(
                        .malformed,
                        "TRANSACTION_PAYLOAD header field \(type) of \(length) bytes runs past the event")
                }
                try reader.skip(Int(length), "unknown payload header field")
            }
        }
        throw DecodeError(.truncated, "TRANSACTION_PAYLOAD header has no end mark")
    }
}
