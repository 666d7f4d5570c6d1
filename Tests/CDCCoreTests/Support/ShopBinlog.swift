import BinlogDecoder
import CDCCore
import Foundation
import TestSupport

/// The events of `MariaDBShopBinlog`, decoded, and the file written to a temporary folder for the parser.
struct ShopBinlog {
    struct Rows {
        var offset: UInt64
        var event: RowsEvent
        var map: TableMap
    }

    let bytes: [UInt8]
    var rows: [Rows] = []

    init() throws {
        bytes = try Hex.bytes(MariaDBShopBinlog.hex)
        var decoder = EventDecoder(decompressor: nil)
        var offset = 4
        while let header = EventHeader.parse(bytes, at: offset) {
            let size = Int(header.eventSize)
            let event = try decoder.decode(Array(bytes[offset..<(offset + size)]), offset: UInt64(offset))
            if case .rows(let rowsEvent) = event.body, let map = decoder.tableMap(for: rowsEvent.tableID) {
                rows.append(Rows(offset: UInt64(offset), event: rowsEvent, map: map))
            }
            offset += size
        }
    }

    func rows(at offset: UInt64) throws -> Rows {
        guard let found = rows.first(where: { $0.offset == offset }) else {
            throw TemporaryFiles.Failure(description: "no rows event at \(offset)")
        }
        return found
    }
}

/// A private temporary folder per test, removed when the value goes away.
final class TemporaryFiles {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path + "/binlog-sink-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        directory = base
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw Failure(description: "cannot create \(path)")
        }
        return path
    }

    func read(_ name: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
            throw Failure(description: "cannot read \(name)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
