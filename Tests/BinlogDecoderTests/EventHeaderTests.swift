import BinlogDecoder
import Testing

/// The 19-byte v4 header: timestamp u32 · type u8 · server_id u32 · event_size u32 · log_pos u32 · flags u16.
@Suite struct EventHeaderTests {
    /// The first event of `mysql/binlog_transaction.000001`: INDEX.md / expected_values.json give the
    /// FORMAT_DESCRIPTION at offset 4 with size 94, log_pos 98, server id 1, timestamp ≈ 1253783037.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func fixtureHeader() throws {
        let bytes = try Fixtures.bytes("mysql/binlog_transaction.000001")
        let header = try #require(EventHeader.parse(bytes, at: 4))
        #expect(header.type == .formatDescription)
        #expect(header.eventSize == 94 && header.logPosition == 98 && header.serverID == 1)
        #expect(header.timestamp >= 1_253_783_000 && header.timestamp <= 1_253_783_100)
    }

    @Test func layout() throws {
        let bytes: [UInt8] = [
            0xaa,
            0x01, 0x02, 0x03, 0x04, 0x1e, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
            0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
        ]
        let header = try #require(EventHeader.parse(bytes, at: 1))
        #expect(
            header
                == EventHeader(
                    timestamp: 0x0403_0201, type: .writeRowsV2, serverID: 0x0807_0605,
                    eventSize: 0x0c0b_0a09, logPosition: 0x100f_0e0d, flags: 0x1211))
    }

    @Test func shortInputGivesNil() {
        let bytes = [UInt8](repeating: 0, count: 30)
        #expect(EventHeader.parse(bytes, at: 11) != nil)
        #expect(EventHeader.parse(bytes, at: 12) == nil)
        #expect(EventHeader.parse(bytes, at: -1) == nil)
        #expect(EventHeader.parse(bytes, at: 1000) == nil)
        #expect(EventHeader.parse([UInt8](), at: 0) == nil)
    }
}
