/// The table maps as `mariadb-binlog --print-table-metadata` printed them in the MariaDB fixtures'
/// `mysql-bin.N.mariadb-binlog.txt` (an independent decoder's reading of the same optional metadata):
///
///     #231114 22:13:45 server id 1  end_log_pos 13632 CRC32 0x85456c5a 	Table_map: `cdc_types`.`t_int` mapped to number 18
///     # Columns(`id` INT NOT NULL,
///     #         `tiu` TINYINT UNSIGNED,
///     #         `e` ENUM('a','b') CHARSET utf8mb4 COLLATE utf8mb4_general_ci)
///     # Primary Key(id)
///
/// Read as bytes: labels are printed in the column's character set (latin1 labels are not UTF-8).
struct MariaDBTableMetadataText {
    struct Column {
        var name: String
        /// The type as printed, up to the first space after its parentheses: `INT`, `DECIMAL(12,3)`, `ENUM(...)`.
        var typeText: String
        var unsigned: Bool
        var notNull: Bool
        /// ENUM/SET labels, raw bytes.
        var labels: [[UInt8]]?
        var collationName: String?
    }

    struct Table {
        var database: String
        var name: String
        var columns: [Column]
        var primaryKey: [String]
    }

    var tables: [Table] = []

    init(_ bytes: [UInt8]) {
        let lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
        var current: Table?
        var inColumns = false
        for line in lines {
            guard line.first == 35 else {  // '#'
                inColumns = false
                continue
            }
            let text = Array(line)
            if text.count < 400, let range = Self.find(Array("Table_map: `".utf8), in: text) {
                if let table = current { tables.append(table) }
                let rest = Array(text[range.upperBound...])
                let parts = rest.split(separator: 96)  // backticks
                let database = parts.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
                let name = parts.count > 2 ? String(decoding: parts[2], as: UTF8.self) : ""
                current = Table(database: database, name: name, columns: [], primaryKey: [])
                inColumns = false
                continue
            }
            guard current != nil else { continue }
            if text.starts(with: Array("# Columns(".utf8)) {
                inColumns = true
                current?.columns.append(Self.column(Array(text.dropFirst(10))))
            } else if inColumns && text.starts(with: Array("#         `".utf8)) {
                current?.columns.append(Self.column(Array(text.dropFirst(10))))
            } else if text.starts(with: Array("# Primary Key(".utf8)) {
                inColumns = false
                let inside = text.dropFirst(14).prefix { $0 != 41 }
                current?.primaryKey = inside.split(separator: 44).map {
                    String(decoding: $0, as: UTF8.self).trimmingSpaces
                }
            } else {
                inColumns = false
            }
        }
        if let table = current { tables.append(table) }
    }

    /// One column definition: `` `name` TYPE[(…)] [UNSIGNED] [NOT NULL] [CHARSET c COLLATE k][,|)] ``.
    static func column(_ text: [UInt8]) -> Column {
        var index = 1
        var name: [UInt8] = []
        while index < text.count && text[index] != 96 {
            name.append(text[index])
            index += 1
        }
        index += 2
        var typeText: [UInt8] = []
        var labels: [[UInt8]]?
        var depth = 0
        var inQuote = false
        var label: [UInt8] = []
        while index < text.count {
            let byte = text[index]
            if inQuote {
                if byte == 39 {
                    if index + 1 < text.count && text[index + 1] == 39 {
                        label.append(39)
                        index += 2
                        continue
                    }
                    inQuote = false
                    labels?.append(label)
                    label = []
                } else {
                    label.append(byte)
                }
                index += 1
                continue
            }
            if byte == 40 {
                depth += 1
                let head = String(decoding: typeText, as: UTF8.self)
                if head == "ENUM" || head == "SET" { labels = [] }
            }
            if byte == 41 {
                if depth == 0 { break }
                depth -= 1
            }
            if byte == 39 && labels != nil {
                inQuote = true
                index += 1
                continue
            }
            if depth == 0 && (byte == 32 || byte == 44) { break }
            if labels == nil || depth == 0 { typeText.append(byte) }
            index += 1
        }
        if labels != nil { typeText += Array("...)".utf8) }
        let rest = String(decoding: text[min(index, text.count)...], as: UTF8.self)
        var collation: String?
        if let range = rest.range(of: " COLLATE ") {
            collation = String(rest[range.upperBound...].prefix { $0 != "," && $0 != ")" && $0 != " " })
        }
        return Column(
            name: String(decoding: name, as: UTF8.self), typeText: String(decoding: typeText, as: UTF8.self),
            unsigned: rest.contains(" UNSIGNED"), notNull: rest.contains(" NOT NULL"), labels: labels,
            collationName: collation)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start..<(start + needle.count) }
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
