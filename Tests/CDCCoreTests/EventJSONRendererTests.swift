import BinlogDecoder
import CDCCore
import Foundation
import TestSupport
import Testing

/// `parse --events`: one JSON object per event, checked against what `mariadb-binlog -vv` printed for the same
/// events of MariaDBShopBinlog (offsets, end_log_pos, GTIDs, XIDs, statements, table maps, the closing ROTATE).
@Suite struct EventJSONRendererTests {
    static func objects() throws -> [[String: Any]] {
        let bytes = try Hex.bytes(MariaDBShopBinlog.hex)
        var decoder = EventDecoder(decompressor: nil)
        var offset = 4
        var objects: [[String: Any]] = []
        while let header = EventHeader.parse(bytes, at: offset) {
            let size = Int(header.eventSize)
            let eventBytes = Array(bytes[offset..<(offset + size)])
            let event = try decoder.decode(eventBytes, offset: UInt64(offset))
            var out = OutputBuffer()
            EventJSONRenderer.append(
                event, bytes: eventBytes, file: Array("mysql-bin.000001".utf8), rows: 0, into: &out)
            let line = out.array
            #expect(line.last == 10 && line.filter { $0 == 10 }.count == 1)
            objects.append(try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]))
            offset += size
        }
        return objects
    }

    @Test func headersMatchMariaDBBinlog() throws {
        let objects = try Self.objects()
        #expect(objects.count == 34)
        // "# at 761" … "end_log_pos 803" … "Write_rows: table id 172"
        let write = try #require(objects.first { $0["pos"] as? Int == 761 })
        #expect(write["type"] as? String == "WRITE_ROWS_V1" && write["next_pos"] as? Int == 803)
        #expect(write["server_id"] as? Int == 1 && write["ts"] as? Int == 1_700_000_000)
        #expect(write["table_id"] as? Int == 172 && write["rows"] as? Int == 0)
        #expect(
            objects.compactMap { $0["gtid"] as? String }
                == ["0-1-883", "0-1-884", "0-1-885", "0-1-886", "0-1-887", "0-1-888", "0-1-889"])
        #expect(objects.compactMap { $0["xid"] as? Int } == [1367, 1368, 1370, 1372, 1373])
        #expect(objects.first?["server_version"] as? String == "10.11.19-MariaDB-0+deb12u1-log")
        #expect(objects.first?["checksum"] as? String == "CRC32")
        let rotate = try #require(objects.last)
        #expect(rotate["type"] as? String == "ROTATE" && rotate["next_file"] as? String == "mysql-bin.000007")
        #expect(objects.compactMap { $0["gtid_list"] as? [String] } == [["0-1-882"]])
        #expect(objects.compactMap { $0["binlog_file"] as? String } == ["mysql-bin.000005", "mysql-bin.000006"])
    }

    @Test func statementsAndTableMaps() throws {
        let objects = try Self.objects()
        let queries = objects.compactMap { $0["query"] as? String }
        #expect(
            queries.contains("CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(20) CHARACTER SET utf8mb4)"))
        #expect(queries.contains("UPDATE shop.t_minimal SET b = 'z' WHERE id = 1"))  // ANNOTATE_ROWS "#Q>"
        let map = try #require(
            objects.first { $0["type"] as? String == "TABLE_MAP" && $0["table"] as? String == "t_minimal" })
        let columns = try #require(map["columns"] as? [[String: Any]])
        #expect(columns.compactMap { $0["name"] as? String } == ["id", "a", "b", "c"])
        // "VARSTRING(40) meta=40", "INT meta=0 nullable=0" for the key.
        #expect(columns[2]["meta"] as? Int == 40 && columns[0]["nullable"] as? Bool == false)
        #expect(columns[0]["primary_key"] as? Bool == true)
    }
}
