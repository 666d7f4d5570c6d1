/// Reads the DDL statements of query events into schema changes: CREATE/ALTER/DROP/RENAME/TRUNCATE TABLE and the
/// database-level CREATE/ALTER/DROP DATABASE.
///
/// Statements that are not DDL (DML, BEGIN, GRANT, CREATE VIEW/INDEX/TRIGGER, …) give no changes. DDL it cannot
/// follow gives `.unparsed` naming the table when it got that far, so the caller can re-read the table from
/// information_schema and warn — never a crash, whatever the input: the work is linear in the statement's length
/// and statements longer than `maxStatementBytes` are not read.
public enum DDLParser {
    /// Longer statements are reported as unparsed (a CREATE TABLE of 4096 columns with long ENUMs stays far below).
    public static let maxStatementBytes = 16 << 20

    /// The schema changes `statement` makes; unqualified table names belong to `defaultDatabase` (the query event's
    /// database).
    public static func parse(_ statement: String, defaultDatabase: String?) -> [SchemaChange] {
        let bytes = Array(statement.utf8)
        guard bytes.count <= maxStatementBytes else {
            return looksLikeDDL(bytes) ? [.unparsed(table: nil, reason: "statement of \(bytes.count) bytes")] : []
        }
        guard let tokens = SQLTokenizer.tokenize(bytes) else {
            return looksLikeDDL(bytes) ? [.unparsed(table: nil, reason: "too many tokens")] : []
        }
        var end = tokens.count
        while end > 0 && tokens[end - 1] == .symbol(59) { end -= 1 }  // trailing ;
        var reader = DDLStatementReader(tokens: DDLTokens(tokens: tokens), end: end, defaultDatabase: defaultDatabase)
        return reader.read()
    }

    /// A quick look at the first word for statements too large to tokenize.
    static func looksLikeDDL(_ bytes: [UInt8]) -> Bool {
        var start = 0
        while start < bytes.count && (bytes[start] == 32 || bytes[start] == 10 || bytes[start] == 9) { start += 1 }
        let head = String(decoding: bytes[start..<min(bytes.count, start + 16)], as: UTF8.self).lowercased()
        return ["create", "alter", "drop", "rename", "truncate"].contains { head.hasPrefix($0) }
    }

    /// Lower-cased character set name, with `utf8` spelled `utf8mb3` as current servers report it.
    static func normalizeCharset(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered == "utf8" ? "utf8mb3" : lowered
    }

    static func normalizeCollation(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.hasPrefix("utf8_") ? "utf8mb3_" + lowered.dropFirst(5) : lowered
    }
}
