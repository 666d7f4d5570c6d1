import BinlogCompression
import Foundation
import Testing

@testable import BinlogDecoder

/// The event state machine over every fixture, and what it does with damaged events.
@Suite(.enabled(if: Fixtures.available, Fixtures.skipMessage))
struct EventDecoderFixtureTests {
    /// Event counts by type name as the fixtures' own header walker counted them (mysql/INDEX.md). Files of the
    /// MySQL 5.1/5.2 development trees are left out: the walker counts their old type numbers, the decoder
    /// renumbers them.
    @Test func mysqlEventCounts() throws {
        let index = try FixtureIndex()
        var checked = 0
        for entry in index.entries where !entry.serverVersion.contains("-a_drop") && entry.serverVersion != "–" {
            let binlog = try DecodedBinlog(fixture: "mysql/" + entry.file)
            guard binlog.error == nil else { continue }
            var counts: [String: Int] = [:]
            for item in binlog.entries { counts[item.event.header.type.name, default: 0] += 1 }
            // "22: FORMAT_DESCRIPTION×1, PREVIOUS_GTIDS×1, …"
            var expected: [String: Int] = [:]
            let list = entry.eventCounts.split(separator: ":", maxSplits: 1).last ?? ""
            for item in list.split(separator: ",") {
                let parts = item.trimmingCharacters(in: .whitespaces).split(separator: "×")
                if parts.count == 2, let count = Int(parts[1]) { expected[String(parts[0])] = count }
            }
            #expect(counts == expected, "\(entry.file)")
            checked += 1
        }
        #expect(checked >= 35)
    }

    /// The MariaDB variants against their `binlog_summary.json` (the same walker).
    @Test func mariaDBEventCounts() throws {
        for variant in ["full-metadata", "minimal-metadata", "compressed"] {
            let data = Data(try Fixtures.bytes("mariadb/\(variant)/binlog_summary.json"))
            let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            for (file, value) in summary {
                let info = try #require(value as? [String: Any])
                let expected = try #require(info["event_counts"] as? [String: Int])
                let binlog = try DecodedBinlog(fixture: "mariadb/\(variant)/\(file)")
                #expect(binlog.error == nil, "\(variant)/\(file)")
                var counts: [String: Int] = [:]
                for item in binlog.entries { counts[item.event.header.type.name, default: 0] += 1 }
                #expect(counts == expected, "\(variant)/\(file)")
            }
        }
    }

    /// Damaged fixtures: where they fail and how (INDEX.md: `binlog_truncated_prev_gtid_event` is cut inside the
    /// header at 120; `corrupt-relay-bin.000624` has a QUERY event of size 171 whose body does not hold together,
    /// rust_mysql_common expects UnexpectedEof there).
    @Test func damagedFixtures() throws {
        let cut = try DecodedBinlog(fixture: "mysql/binlog_truncated_prev_gtid_event.000001")
        #expect(cut.entries.count == 1 && cut.error?.offset == 120)
        let corrupt = try DecodedBinlog(fixture: "mysql/corrupt-relay-bin.000624")
        let error = try #require(corrupt.error)
        #expect(error.code == .truncated)
        #expect(error.eventType == EventType.query.rawValue)
        let offset = Int(try #require(error.offset))
        let bytes = try Fixtures.bytes("mysql/corrupt-relay-bin.000624")
        #expect(EventHeader.parse(bytes, at: offset)?.eventSize == 171)
    }

    /// Without verification a damaged checksum goes through; with it, the error names the event.
    @Test func checksumVerification() throws {
        var bytes = try Fixtures.bytes("mysql/minimal_row_metadata.000001")
        let clean = DecodedBinlog(bytes)
        let rows = try #require(clean.rowsEvents.first)
        let offset = Int(rows.entry.event.offset)
        bytes[offset + 19 + 3] ^= 0x10
        let damaged = DecodedBinlog(bytes)
        let error = try #require(damaged.error)
        #expect(error.code == .checksumMismatch)
        #expect(error.offset == UInt64(offset) && error.eventType == EventType.writeRowsV2.rawValue)
        #expect(error.description.contains("at offset \(offset)") && error.description.contains("WRITE_ROWS_V2"))
        let unverified = DecodedBinlog(bytes, verifyChecksums: false)
        #expect(unverified.error == nil)
        #expect(unverified.entries.count == clean.entries.count)
    }

    /// Table maps are kept per table id until the next non-artificial ROTATE or FORMAT_DESCRIPTION.
    @Test func tableMapLifetime() throws {
        let bytes = try Fixtures.bytes("mysql/minimal_row_metadata.000001")
        var decoder = EventDecoder(decompressor: nil)
        var offset = 4
        var rotateEvent: [UInt8] = []
        var tableID: UInt64?
        while let header = EventHeader.parse(bytes, at: offset) {
            let size = Int(header.eventSize)
            let event = Array(bytes[offset..<(offset + size)])
            let decoded = try decoder.decode(event, offset: UInt64(offset))
            if case .tableMap(let map) = decoded.body {
                tableID = map.tableID
                // The same table map again: the same map.
                let again = try decoder.decode(event, offset: UInt64(offset))
                if case .tableMap(let second) = again.body {
                    #expect(second == map)
                } else {
                    Issue.record("not a table map")
                }
            }
            if header.type == .rotate {
                rotateEvent = event
            } else if let tableID {
                #expect(decoder.tableMap(for: tableID) != nil)
            }
            offset += size
        }
        let id = try #require(tableID)
        // The file ends with its ROTATE: the maps are gone.
        #expect(!rotateEvent.isEmpty && decoder.tableMap(for: id) == nil)
    }

    /// MariaDB's compressed query events inflate to the statements the uncompressed variant carries.
    @Test func compressedQueries() throws {
        let compressed = try DecodedBinlog(fixture: "mariadb/compressed/mysql-bin.000002")
        let plain = try DecodedBinlog(fixture: "mariadb/minimal-metadata/mysql-bin.000002")
        func queries(_ binlog: DecodedBinlog) -> [String] {
            binlog.entries.compactMap {
                if case .query(let query) = $0.event.body { return query.query } else { return nil }
            }
        }
        let types = compressed.entries.map(\.event.header.type)
        #expect(types.contains(.mariaQueryCompressed))
        #expect(queries(compressed) == queries(plain))
        #expect(!queries(plain).isEmpty)
    }
}

/// Hand-damaged events: framing errors carry the event's offset and type.
@Suite struct EventDecoderDamageTests {
    /// A XID event (type 16) without checksum: 19-byte header + 8-byte xid.
    static func xidEvent(size: UInt32? = nil, xid: UInt64 = 0x1122_3344_5566_7788) -> [UInt8] {
        let total = size ?? 27
        var bytes: [UInt8] = [1, 0, 0, 0, 16, 7, 0, 0, 0]
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: total >> UInt32(8 * $0)) }
        bytes += [0, 0, 0, 0, 0, 0]
        bytes += (0..<8).map { UInt8(truncatingIfNeeded: xid >> UInt64(8 * $0)) }
        return bytes
    }

    @Test func wellFormedXid() throws {
        var decoder = EventDecoder(decompressor: nil)
        let event = try decoder.decode(Self.xidEvent(), offset: 1234)
        guard case .xid(let xid) = event.body else {
            Issue.record("not a xid: \(event.body)")
            return
        }
        #expect(xid == 0x1122_3344_5566_7788 && event.offset == 1234 && event.header.serverID == 7)
    }

    @Test func eventSizeMustMatch() {
        var decoder = EventDecoder(decompressor: nil)
        for size: UInt32 in [0, 18, 19, 26, 28, 1 << 31] {
            do {
                _ = try decoder.decode(Self.xidEvent(size: size), offset: 99)
                Issue.record("event_size \(size) accepted for 27 bytes")
            } catch {
                #expect(error.code == .badEventSize && error.offset == 99 && error.eventType == 16)
            }
        }
    }

    @Test func shorterThanAHeader() {
        var decoder = EventDecoder(decompressor: nil)
        for length in 0..<19 {
            do {
                _ = try decoder.decode(Array(Self.xidEvent().prefix(length)), offset: 5)
                Issue.record("\(length) bytes accepted")
            } catch {
                #expect(error.code == .truncated && error.offset == 5)
            }
        }
    }

    /// A body too short for its fields: truncated, not a trap.
    @Test func shortBodies() {
        var decoder = EventDecoder(decompressor: nil)
        var event = Self.xidEvent()
        event.removeLast(3)
        event[9] = UInt8(event.count)
        do {
            _ = try decoder.decode(event, offset: 4)
            Issue.record("short XID accepted")
        } catch {
            #expect(error.code == .truncated && error.eventType == 16)
        }
        // Every event type with an empty body.
        for type in 0...255 {
            var empty: [UInt8] = [0, 0, 0, 0, UInt8(type), 0, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            empty[4] = UInt8(type)
            var fresh = EventDecoder(decompressor: SystemDecompressor())
            _ = try? fresh.decode(empty, offset: 4)
        }
    }

    /// With CRC32 in force, an event too short to hold its checksum is rejected.
    @Test func checksumNeedsFourBytes() throws {
        var decoder = EventDecoder(decompressor: nil)
        let format = EventBytes.sealed(
            FormatDescriptionTests.event(
                FormatDescriptionTests.body(version: "8.0.40", postHeaders: [], algorithm: 1)))
        _ = try decoder.decode(format, offset: 4, inPayload: false)
        #expect(decoder.eventsHaveChecksum)
        let stop: [UInt8] = [0, 0, 0, 0, 3, 1, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        do {
            _ = try decoder.decode(stop, offset: 200)
            Issue.record("21-byte event with CRC32 accepted")
        } catch {
            #expect(error.code == .badEventSize)
        }
        // Inside a compressed transaction there is no checksum.
        var inPayload = stop
        inPayload[9] = 19
        inPayload.removeLast(2)
        #expect(throws: Never.self) { try decoder.decode(inPayload, offset: 200, inPayload: true) }
    }

    /// Unknown type codes are kept and skipped.
    @Test func unknownTypes() throws {
        var decoder = EventDecoder(decompressor: nil)
        var event = Self.xidEvent()
        event[4] = 200
        let decoded = try decoder.decode(event, offset: 4)
        #expect(decoded.header.type.name == "UNKNOWN_200")
        guard case .other = decoded.body else {
            Issue.record("unknown type decoded as \(decoded.body)")
            return
        }
    }

    /// The injected CRC-32 is the one used.
    @Test func injectedCRC() throws {
        final class Counter: @unchecked Sendable { var calls = 0 }
        let counter = Counter()
        var decoder = EventDecoder(
            decompressor: nil,
            crc32: { bytes in
                counter.calls += 1
                return SystemDecompressor.crc32(bytes)
            })
        let format = EventBytes.sealed(
            FormatDescriptionTests.event(
                FormatDescriptionTests.body(version: "8.0.40", postHeaders: [], algorithm: 1)))
        _ = try decoder.decode(format, offset: 4)
        #expect(counter.calls == 1)
    }
}
