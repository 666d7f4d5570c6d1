import BinlogDecoder
import Foundation
import Testing

@Suite("TRANSACTION_PAYLOAD header")
struct TransactionPayloadHeaderTests {
    static var zstdAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") }

    /// transaction_compression.000001 (MySQL 8.0.32): the payload, decompressed by the zstd command-line tool, has
    /// the recorded size and holds the transaction's events (QUERY, TABLE_MAP, WRITE_ROWS_V2, XID per
    /// expected_values.json).
    @Test(.enabled(if: GTIDFixtures.available && zstdAvailable))
    func compressedTransaction() throws {
        let file = "transaction_compression.000001"
        let binlog = try GTIDTestBinlog("mysql/" + file)
        let events = binlog.events(of: .transactionPayload)
        #expect(events.count == 1)
        let event = try #require(events.first)
        let header = try TransactionPayloadHeader.parse(binlog.bytes, body: event.body)
        #expect(header.compression == .zstd)
        #expect(header.payload.count == Int(header.payloadSize))
        // The payload is the end of the body (before the CRC32).
        #expect(header.payload.upperBound == event.body.upperBound)
        #expect(header.payload.lowerBound > event.body.lowerBound)
        #expect(Array(binlog.bytes[header.payload.prefix(4)]) == [0x28, 0xb5, 0x2f, 0xfd])  // zstd frame magic

        let decompressed = try gtidTestZstdDecompress(Array(binlog.bytes[header.payload]))
        #expect(UInt64(decompressed.count) == header.uncompressedSize)

        // The decompressed bytes are whole events, headers included and without CRC32.
        var names: [String] = []
        var offset = 0
        while let inner = EventHeader.parse(decompressed, at: offset) {
            names.append(inner.type.name)
            offset += Int(inner.eventSize)
        }
        #expect(offset == decompressed.count)
        let expected = try GTIDFixtures.rustExpectations(file)
        let expectedNames = try #require(expected["payload_events"] as? [String])
        // expected_values.json spells them "QUERY_EVENT", "WRITE_ROWS_EVENT (v2)", ...
        let normalized = expectedNames.map {
            $0.replacingOccurrences(of: "_EVENT (v2)", with: "_V2").replacingOccurrences(of: "_EVENT", with: "")
        }
        #expect(names == normalized)
    }

    /// The header in the order MySQL writes it (compression type, uncompressed size, payload size, end mark), with
    /// an unknown field that must be skipped by its length.
    @Test func fieldsAndUnknownField() throws {
        let payload: [UInt8] = [9, 8, 7]
        // 255 as a length-encoded integer is 0xfc 0xff 0x00 (net_store_length).
        let body: [UInt8] = [2, 3, 0xfc, 0xff, 0x00] + [7, 2, 0xaa, 0xbb] + [1, 1, 3] + [0] + payload
        let bytes = [UInt8](repeating: 0xee, count: 19) + body + [1, 2, 3, 4]  // a header and a CRC around it
        let header = try TransactionPayloadHeader.parse(bytes, body: 19..<(19 + body.count))
        #expect(header.compression == .none)
        #expect(header.payloadSize == 3)
        #expect(header.uncompressedSize == 3)  // absent: the payload size
        #expect(Array(bytes[header.payload]) == payload)

        let other: [UInt8] = [2, 1, 7] + [3, 3, 0xfc, 0x00, 0x01] + [1, 1, 0] + [0]
        let otherHeader = try TransactionPayloadHeader.parse(other, body: 0..<other.count)
        #expect(otherHeader.compression == .other(7))
        #expect(otherHeader.uncompressedSize == 256)
        #expect(otherHeader.payload.isEmpty)
    }

    @Test func hostileInput() {
        func rejects(_ body: [UInt8]) {
            #expect(throws: DecodeError.self) { try TransactionPayloadHeader.parse(body, body: 0..<body.count) }
        }
        rejects([])  // no end mark
        rejects([2, 1, 0, 1, 1, 5])  // no end mark after the fields
        rejects([2, 1, 0, 0, 1, 2, 3])  // end mark before payload_size
        rejects([1, 1, 3, 0, 1, 2, 3])  // end mark before compression_type
        rejects([2, 1, 0, 1, 1, 10, 0, 1, 2, 3])  // payload_size past the event
        rejects([2, 1, 0, 1, 9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0])  // huge payload_size
        rejects([9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0])  // unknown field of 2^64-1 bytes
        rejects([1, 0xfb])  // NULL marker as a length
        rejects([2, 1])  // truncated inside a field
    }
}
