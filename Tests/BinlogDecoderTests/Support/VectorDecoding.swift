import BinlogDecoder
import Foundation
import TestSupport

/// Decodes the row images of `MariaDBRowVectors` with the decoder under test.
struct VectorTable {
    let vectors: MariaDBRowVectors.Table
    var map: TableMap

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    init(_ name: String) throws {
        guard let vectors = MariaDBRowVectors.table(name) else { throw Missing(description: "no vector table \(name)") }
        self.vectors = vectors
        let body = try Hex.bytes(vectors.tableMap)
        var decoder = EventDecoder(decompressor: nil)
        // A table map event around the body: header with event_size, checksum off (the default description).
        let size = UInt32(19 + body.count)
        let header: [UInt8] = [
            0, 0, 0, 0, 19, 1, 0, 0, 0,
            UInt8(size & 0xff), UInt8(size >> 8 & 0xff), UInt8(size >> 16 & 0xff), 0,
            0, 0, 0, 0, 0, 0,
        ]
        guard case .tableMap(let map) = try decoder.decode(header + body, offset: 4).body else {
            throw Missing(description: "\(name): not a table map")
        }
        self.map = map
    }

    /// The `legacyFSP` a MariaDB 5.3-format column needs, from the `TIME(n)`/`DATETIME(n)`/`TIMESTAMP(n)` in the DDL.
    mutating func applyLegacyFSPFromDDL() {
        let ddl = vectors.ddl
        guard let open = ddl.range(of: " c "), let paren = ddl[open.upperBound...].firstIndex(of: "(") else { return }
        let digits = ddl[ddl.index(after: paren)...].prefix { $0.isNumber }
        if let fsp = UInt8(digits) { map.columns[1].legacyFSP = fsp }
    }

    /// Decodes row `index`'s image: every column present. Returns the values and the bytes their ranges point into.
    func decode(_ index: Int, isMariaDB: Bool = true) throws -> (values: [ColumnValue], bytes: [UInt8]) {
        let image = try Hex.bytes(vectors.rows[index].image)
        let bitmapLength = (map.columns.count + 7) / 8
        let bytes = [UInt8](repeating: 0xff, count: bitmapLength) + image
        var reader = ByteReader(bytes, range: bitmapLength..<bytes.count)
        var values: [ColumnValue] = []
        try RowImageDecoder(columns: map.columns, isMariaDB: isMariaDB)
            .decode(&reader, present: 0..<bitmapLength, into: &values)
        guard reader.isAtEnd else { throw Missing(description: "\(reader.remaining) bytes left after the image") }
        return (values, bytes)
    }
}

/// The server's temporal text, taken apart.
enum ServerTemporalText {
    /// `[-]H+:MM:SS[.f…]`.
    static func time(_ text: String) -> TimeValue? {
        var rest = Substring(text)
        let negative = rest.hasPrefix("-")
        if negative { rest = rest.dropFirst() }
        let parts = rest.split(separator: ":")
        guard parts.count == 3 else { return nil }
        let secondsParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard let hours = UInt32(parts[0]), let minutes = UInt8(parts[1]), let seconds = UInt8(secondsParts[0]) else {
            return nil
        }
        let (micros, fsp) = fraction(secondsParts.count > 1 ? secondsParts[1] : "")
        return TimeValue(
            negative: negative, hours: hours, minutes: minutes, seconds: seconds, microseconds: micros,
            fsp: fsp)
    }

    /// `YYYY-MM-DD HH:MM:SS[.f…]`.
    static func dateTime(_ text: String) -> DateTimeValue? {
        let halves = text.split(separator: " ")
        guard halves.count == 2, let date = self.date(String(halves[0])), let time = time(String(halves[1])) else {
            return nil
        }
        return DateTimeValue(
            year: date.year, month: date.month, day: date.day, hour: UInt8(time.hours),
            minute: time.minutes, second: time.seconds, microseconds: time.microseconds, fsp: time.fsp)
    }

    static func date(_ text: String) -> (year: UInt16, month: UInt8, day: UInt8)? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = UInt16(parts[0]), let month = UInt8(parts[1]), let day = UInt8(parts[2])
        else {
            return nil
        }
        return (year, month, day)
    }

    /// Seconds since the epoch of a UTC `YYYY-MM-DD HH:MM:SS[.f…]` (Foundation's calendar, not the decoder's), with
    /// microseconds and fsp. The zero timestamp is (0, 0).
    static func timestamp(_ text: String) -> (seconds: UInt32, micros: UInt32, fsp: UInt8)? {
        guard let value = dateTime(text) else { return nil }
        if value.year == 0 { return (0, value.microseconds, value.fsp) }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        let components = DateComponents(
            year: Int(value.year), month: Int(value.month), day: Int(value.day),
            hour: Int(value.hour), minute: Int(value.minute), second: Int(value.second))
        guard let date = calendar.date(from: components) else { return nil }
        return (UInt32(date.timeIntervalSince1970), value.microseconds, value.fsp)
    }

    static func fraction(_ digits: Substring) -> (UInt32, UInt8) {
        guard !digits.isEmpty, let value = UInt32(digits) else { return (0, 0) }
        var micros = value
        for _ in digits.count..<6 { micros *= 10 }
        return (micros, UInt8(digits.count))
    }
}

/// A number in the server's text (SQL NULL or an unparsable text is an error).
func serverNumber<T: LosslessStringConvertible>(_ text: String?, as type: T.Type = T.self) throws -> T {
    guard let text, let value = T(text) else {
        throw VectorTable.Missing(description: "not a \(T.self): \(text ?? "NULL")")
    }
    return value
}
