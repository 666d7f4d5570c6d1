import Foundation

/// Just enough of the binlog v4 layout to derive test expectations from a fixture's bytes (independently of the
/// decoder under test): the 19-byte event headers, where the header walk stops, and the fixed part of a
/// TABLE_MAP event.
struct RawBinlog {
    struct Header: CustomStringConvertible {
        var pos: Int
        var timestamp: UInt32
        var typeCode: UInt8
        var serverID: UInt32
        var size: Int
        var nextPos: UInt32
        var flags: UInt16
        var description: String { "type \(typeCode) at \(pos) size \(size)" }
    }

    struct TableMap {
        var db: String
        var table: String
        var columnTypes: [UInt8]
        var metadata: [UInt8]
    }

    let bytes: [UInt8]
    let name: String

    init(contentsOf url: URL) throws {
        bytes = Array(try Data(contentsOf: url))
        name = url.lastPathComponent
    }

    var hasMagic: Bool { bytes.starts(with: [0xFE, 0x62, 0x69, 0x6E]) }

    /// Walks the event headers from offset 4. `stop` is the offset of the first event that is not complete
    /// (header or body running past the end of the file), nil when the walk ends exactly at the end of the file.
    func walk() -> (headers: [Header], stop: Int?) {
        var headers: [Header] = []
        var pos = 4
        while pos < bytes.count {
            guard bytes.count - pos >= 19 else { return (headers, pos) }
            let size = Int(u32(pos + 9))
            guard size >= 19, pos + size <= bytes.count else { return (headers, pos) }
            headers.append(
                Header(
                    pos: pos, timestamp: u32(pos), typeCode: bytes[pos + 4], serverID: u32(pos + 5), size: size,
                    nextPos: u32(pos + 13), flags: UInt16(bytes[pos + 17]) | UInt16(bytes[pos + 18]) << 8))
            pos += size
        }
        return (headers, nil)
    }

    /// The first QUERY event (type 2) whose body cannot hold what its post-header announces (status variables,
    /// database name): the damage in a relay log that is otherwise well framed. Layout of the post-header:
    /// thread_id u32, exec_time u32, db_len u8, error_code u16, status_vars_len u16 (13 bytes, binlog v4).
    func firstMalformedQueryEvent(checksumBytes: Int = 0) -> Header? {
        for header in walk().headers where header.typeCode == 2 {
            let body = header.size - 19 - checksumBytes
            guard body >= 13 else { return header }
            let dbLength = Int(bytes[header.pos + 19 + 8])
            let statusLength = Int(bytes[header.pos + 19 + 11]) | Int(bytes[header.pos + 19 + 12]) << 8
            if 13 + statusLength + dbLength + 1 > body { return header }
        }
        return nil
    }

    /// The TABLE_MAP event (type 19) at `pos`, for a server whose TABLE_MAP post-header is 8 bytes (MySQL ≥ 5.1.15).
    func tableMap(at pos: Int) -> TableMap? {
        var index = pos + 19 + 8
        func lengthPrefixedName() -> String? {
            guard index < bytes.count else { return nil }
            let length = Int(bytes[index])
            guard index + 1 + length < bytes.count else { return nil }
            let name = String(decoding: bytes[(index + 1)..<(index + 1 + length)], as: UTF8.self)
            index += length + 2
            return name
        }
        guard let db = lengthPrefixedName(), let table = lengthPrefixedName(),
            let columnCount = packedInteger(&index), index + columnCount <= bytes.count
        else { return nil }
        let types = Array(bytes[index..<(index + columnCount)])
        index += columnCount
        guard let metadataLength = packedInteger(&index), index + metadataLength <= bytes.count else { return nil }
        return TableMap(
            db: db, table: table, columnTypes: types, metadata: Array(bytes[index..<(index + metadataLength)]))
    }

    private func packedInteger(_ index: inout Int) -> Int? {
        guard index < bytes.count else { return nil }
        let first = bytes[index]
        index += 1
        switch first {
        case 0..<251: return Int(first)
        case 252:
            guard index + 2 <= bytes.count else { return nil }
            defer { index += 2 }
            return Int(bytes[index]) | Int(bytes[index + 1]) << 8
        case 253:
            guard index + 3 <= bytes.count else { return nil }
            defer { index += 3 }
            return Int(bytes[index]) | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2]) << 16
        default:
            return nil
        }
    }

    private func u32(_ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(
            bytes[offset + 3]) << 24
    }
}
