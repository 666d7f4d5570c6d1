import Foundation

/// `ground_truth.json` of a MariaDB fixture variant: the final content of every table, as the server SELECTs it
/// (see its "rendering" notes and fixtures/README.md).
struct GroundTruth {
    struct Column {
        var name: String
        /// information_schema DATA_TYPE: `int`, `varchar`, `binary`, `inet6`, `geometry`…
        var dataType: String
        /// information_schema COLUMN_TYPE: `int(10) unsigned`, `enum('a','b')`, `binary(16)`…
        var columnType: String

        var isUnsigned: Bool { columnType.contains("unsigned") }

        /// The number in the first parentheses of the column type (`binary(16)` → 16, `char(10)` → 10).
        var declaredLength: Int? {
            guard let open = columnType.firstIndex(of: "("), let close = columnType[open...].firstIndex(of: ")") else {
                return nil
            }
            return Int(columnType[columnType.index(after: open)..<close].split(separator: ",").first ?? "")
        }

        /// ENUM/SET members in order, from the column type (`enum('a','b''c')` → ["a", "b'c"]).
        var members: [String] {
            guard let open = columnType.firstIndex(of: "("), columnType.hasSuffix(")") else { return [] }
            let inner = Array(columnType[columnType.index(after: open)..<columnType.index(before: columnType.endIndex)])
            var members: [String] = []
            var index = 0
            while index < inner.count {
                guard inner[index] == "'" else {
                    index += 1
                    continue
                }
                index += 1
                var member = ""
                while index < inner.count {
                    if inner[index] == "'" {
                        if index + 1 < inner.count, inner[index + 1] == "'" {
                            member.append("'")
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    if inner[index] == "\\", index + 1 < inner.count {
                        member.append(inner[index + 1])
                        index += 2
                        continue
                    }
                    member.append(inner[index])
                    index += 1
                }
                members.append(member)
            }
            return members
        }
    }

    struct Table {
        var name: String
        var columns: [Column]
        var primaryKey: [String]
        var rows: [JSONObject]

        func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    }

    var schema: String
    var binlogRowMetadata: String
    var tables: [String: Table]

    var tableNames: [String] { tables.keys.sorted() }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    init(contentsOf url: URL) throws {
        let value = try JSONParser.parse(bytes: Array(try Data(contentsOf: url)))
        guard let schema = value["schema"]?.stringValue, let tables = value["tables"]?.objectValue else {
            throw FormatError(description: "\(url.lastPathComponent): no schema/tables")
        }
        self.schema = schema
        binlogRowMetadata = value["binlog_row_metadata"]?.stringValue ?? ""
        var parsed: [String: Table] = [:]
        for (name, table) in tables.entries {
            let columns = try (table["columns"]?.arrayValue ?? []).map { column -> Column in
                guard let columnName = column["name"]?.stringValue, let dataType = column["data_type"]?.stringValue,
                    let columnType = column["column_type"]?.stringValue
                else {
                    throw FormatError(description: "\(name): bad column \(column)")
                }
                return Column(name: columnName, dataType: dataType, columnType: columnType)
            }
            let primaryKey = (table["primary_key"]?.arrayValue ?? []).compactMap(\.stringValue)
            let rows = (table["rows"]?.arrayValue ?? []).compactMap(\.objectValue)
            if let count = table["row_count"]?.integerValue, count != Int128(rows.count) {
                throw FormatError(description: "\(name): row_count \(count) but \(rows.count) rows")
            }
            parsed[name] = Table(name: name, columns: columns, primaryKey: primaryKey, rows: rows)
        }
        self.tables = parsed
    }
}

/// Column character sets declared by the `CREATE DATABASE` / `CREATE TABLE` statements of a workload's
/// `statements.sql` (what a table map without metadata does not say). ALTER TABLE is not followed: the one table
/// whose charset an ALTER changes (t_ddl) is not compared by ordinal anyway.
struct DeclaredCharsets {
    var databaseDefault: String?
    /// table → column → charset name, for columns that declare one.
    var columns: [String: [String: String]] = [:]

    func charset(table: String, column: String) -> String? {
        columns[table]?[column] ?? databaseDefault
    }

    init(statementsAt url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        for statement in DeclaredCharsets.statements(in: text) {
            let upper = statement.uppercased()
            if upper.hasPrefix("CREATE DATABASE") {
                databaseDefault = DeclaredCharsets.charsetClause(in: statement)
            } else if upper.hasPrefix("CREATE TABLE") {
                guard let open = statement.firstIndex(of: "(") else { continue }
                let name = statement[statement.index(statement.startIndex, offsetBy: "CREATE TABLE".count)..<open]
                    .trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "")
                var declared: [String: String] = [:]
                for item in DeclaredCharsets.topLevelItems(String(statement[statement.index(after: open)...])) {
                    let words = item.split(whereSeparator: \.isWhitespace)
                    guard let first = words.first,
                        !["PRIMARY", "KEY", "INDEX", "UNIQUE", "CONSTRAINT", "FOREIGN", "CHECK"].contains(
                            first.uppercased())
                    else { continue }
                    if let charset = DeclaredCharsets.charsetClause(in: item) {
                        declared[first.replacingOccurrences(of: "`", with: "")] = charset
                    }
                }
                columns[name] = declared
            }
        }
    }

    /// Statements of the file that start with CREATE (the DML lines are skipped cheaply).
    private static func statements(in text: String) -> [String] {
        var result: [String] = []
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil {
                guard line.prefix(7).uppercased() == "CREATE " else { continue }
                current = ""
            }
            current?.append(contentsOf: line)
            current?.append("\n")
            if line.hasSuffix(";"), let statement = current {
                result.append(statement)
                current = nil
            }
        }
        return result
    }

    /// The comma-separated items of a parenthesised list, up to its closing parenthesis (quotes respected).
    private static func topLevelItems(_ text: String) -> [String] {
        var items: [String] = []
        var depth = 0
        var inQuote = false
        var current = ""
        for character in text {
            if inQuote {
                current.append(character)
                if character == "'" { inQuote = false }
                continue
            }
            switch character {
            case "'":
                inQuote = true
                current.append(character)
            case "(":
                depth += 1
                current.append(character)
            case ")":
                if depth == 0 {
                    items.append(current)
                    return items.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                }
                depth -= 1
                current.append(character)
            case "," where depth == 0:
                items.append(current)
                current = ""
            default: current.append(character)
            }
        }
        return items.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// `CHARACTER SET x` / `CHARSET x` (outside quotes), lowercased.
    private static func charsetClause(in text: String) -> String? {
        var unquoted = ""
        var inQuote = false
        for character in text {
            if character == "'" {
                inQuote.toggle()
                continue
            }
            if !inQuote { unquoted.append(character) }
        }
        let words = unquoted.split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "=" }).map {
            $0.uppercased()
        }
        for (index, word) in words.enumerated() {
            if word == "CHARSET", index + 1 < words.count { return words[index + 1].lowercased() }
            if word == "CHARACTER", index + 2 < words.count, words[index + 1] == "SET" {
                return words[index + 2].lowercased()
            }
        }
        return nil
    }

    /// The bytes MariaDB stores for `text` in `charset` (latin1 is cp1252 in MariaDB).
    static func encode(_ text: String, charset: String) -> [UInt8]? {
        switch charset {
        case "utf8mb4", "utf8mb3", "utf8": return Array(text.utf8)
        case "latin1": return text.data(using: .windowsCP1252).map(Array.init)
        case "ascii": return text.data(using: .ascii).map(Array.init)
        case "binary": return Array(text.utf8)
        default: return nil
        }
    }

    /// Bytes per character at most.
    static func maxBytesPerCharacter(_ charset: String) -> Int? {
        switch charset {
        case "utf8mb4": return 4
        case "utf8mb3", "utf8": return 3
        case "latin1", "ascii", "binary": return 1
        default: return nil
        }
    }
}
