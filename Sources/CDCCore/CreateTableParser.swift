/// A small reader of `CREATE TABLE` statements: the column names and types, in order.
///
/// The binlog does not carry everything about a column (the fractional precision of MariaDB 5.3 temporal
/// columns, names and signedness without `binlog_row_metadata=FULL`); the statement that created the table does.
/// Handles quoting (backticks, strings), comments and nested parentheses; anything it cannot read gives nil.
public enum CreateTableParser {
    public struct Column: Sendable, Equatable {
        public var name: String
        /// Lower-cased type keyword: `int`, `time`, `datetime`, `varchar`, …
        public var type: String
        /// The first number in the type's parentheses (length, precision or fsp), if any.
        public var length: Int?
        public var unsigned: Bool
    }

    public struct Table: Sendable, Equatable {
        public var database: String?
        public var name: String
        public var columns: [Column]
    }

    enum Token: Equatable {
        case word(String)
        case quoted(String)
        case symbol(UInt8)
        case number(Int)
    }

    /// Parses `statement` if it is a CREATE TABLE with a column list; nil otherwise (CREATE TABLE … LIKE / AS
    /// SELECT without columns, other statements, or text it cannot follow).
    public static func parse(_ statement: String) -> Table? {
        let tokens = tokenize(Array(statement.utf8))
        var index = 0
        func word(_ at: Int) -> String? {
            guard at < tokens.count, case .word(let text) = tokens[at] else { return nil }
            return text.lowercased()
        }
        guard word(index) == "create" else { return nil }
        index += 1
        while let next = word(index), next == "or" || next == "replace" || next == "temporary" { index += 1 }
        guard word(index) == "table" else { return nil }
        index += 1
        if word(index) == "if" { index += 3 }  // IF NOT EXISTS
        guard let (database, name, after) = qualifiedName(tokens, index) else { return nil }
        index = after
        guard index < tokens.count, tokens[index] == .symbol(40) else { return nil }
        index += 1
        var columns: [Column] = []
        // Each element of the list up to the matching ')'.
        while index < tokens.count {
            let elementStart = index
            var depth = 0
            var end = index
            while end < tokens.count {
                if tokens[end] == .symbol(40) { depth += 1 }
                if tokens[end] == .symbol(41) {
                    if depth == 0 { break }
                    depth -= 1
                }
                if tokens[end] == .symbol(44) && depth == 0 { break }
                end += 1
            }
            if end >= tokens.count { return nil }
            if let column = columnDefinition(Array(tokens[elementStart..<end])) {
                columns.append(column)
            }
            index = end + 1
            if tokens[end] == .symbol(41) { break }
        }
        return columns.isEmpty ? nil : Table(database: database, name: name, columns: columns)
    }

    static let constraintWords: Set<String> = [
        "primary", "key", "index", "unique", "constraint", "foreign", "fulltext", "spatial", "check", "period",
    ]

    static func columnDefinition(_ tokens: [Token]) -> Column? {
        guard tokens.count >= 2 else { return nil }
        let name: String
        switch tokens[0] {
        case .word(let text):
            if constraintWords.contains(text.lowercased()) { return nil }
            name = text
        case .quoted(let text): name = text
        default: return nil
        }
        guard case .word(let typeWord) = tokens[1] else { return nil }
        var length: Int?
        if tokens.count >= 4, tokens[2] == .symbol(40), case .number(let number) = tokens[3] { length = number }
        let unsigned = tokens.contains {
            if case .word(let text) = $0 { return text.lowercased() == "unsigned" } else { return false }
        }
        return Column(name: name, type: typeWord.lowercased(), length: length, unsigned: unsigned)
    }

    static func qualifiedName(_ tokens: [Token], _ start: Int) -> (String?, String, Int)? {
        func name(_ at: Int) -> String? {
            guard at < tokens.count else { return nil }
            switch tokens[at] {
            case .word(let text), .quoted(let text): return text
            default: return nil
            }
        }
        guard let first = name(start) else { return nil }
        if start + 2 < tokens.count, tokens[start + 1] == .symbol(46), let second = name(start + 2) {
            return (first, second, start + 3)
        }
        return (nil, first, start + 1)
    }

    /// Words, backtick-quoted names, numbers and single symbols; string literals become a `'` placeholder and
    /// comments are skipped (executable `/*!…*/` comments count). Built on `SQLTokenizer`; empty beyond its limit.
    static func tokenize(_ text: [UInt8]) -> [Token] {
        guard let tokens = SQLTokenizer.tokenize(text) else { return [] }
        return tokens.map { token in
            switch token {
            case .word(let text): return .word(text)
            case .quoted(let text): return .quoted(text)
            case .string: return .symbol(39)
            case .symbol(let byte): return .symbol(byte)
            case .number(let digits):
                var value = 0
                for digit in digits.utf8 { value = min(value * 10 + Int(digit - 48), 1 << 40) }
                return .number(value)
            }
        }
    }
}
