/// A read-only view of a statement's tokens with the small lookups the DDL grammar needs. Every accessor is bounds
/// checked: reading past the end gives nil, never a trap.
struct DDLTokens {
    typealias Token = SQLTokenizer.Token

    let tokens: [Token]

    /// The lower-cased word at `index`, nil for anything else.
    func word(_ index: Int) -> String? {
        guard index >= 0, index < tokens.count, case .word(let text) = tokens[index] else { return nil }
        return text.lowercased()
    }

    func isWord(_ index: Int, _ expected: String) -> Bool { word(index) == expected }

    func isSymbol(_ index: Int, _ byte: UInt8) -> Bool {
        index >= 0 && index < tokens.count && tokens[index] == .symbol(byte)
    }

    /// An identifier: a word or a backtick-quoted name (ANSI double quotes are read as strings by MySQL's default
    /// sql_mode, so they are accepted here too).
    func identifier(_ index: Int) -> String? {
        guard index >= 0, index < tokens.count else { return nil }
        switch tokens[index] {
        case .word(let text), .quoted(let text), .string(let text): return text
        default: return nil
        }
    }

    /// A name or a string or a word: values of options such as CHARACTER SET.
    func value(_ index: Int) -> String? { identifier(index) }

    func number(_ index: Int) -> Int? {
        guard index >= 0, index < tokens.count, case .number(let digits) = tokens[index] else { return nil }
        var value = 0
        for digit in digits.utf8 { value = min(value * 10 + Int(digit - 48), 1 << 40) }
        return value
    }

    /// The index just past the parenthesized group that opens at `index` (which must be `(`), or nil when it is
    /// never closed. Iterative, so any nesting depth is fine.
    func skipGroup(_ index: Int, end: Int) -> Int? {
        var depth = 0
        var at = index
        while at < end {
            if case .symbol(let byte) = tokens[at] {
                if byte == 40 { depth += 1 }
                if byte == 41 {
                    depth -= 1
                    if depth == 0 { return at + 1 }
                }
            }
            at += 1
        }
        return nil
    }

    /// Splits `range` at top-level commas (outside parentheses). Nil when the parentheses do not balance.
    func splitAtCommas(_ range: Range<Int>) -> [Range<Int>]? {
        var parts: [Range<Int>] = []
        var depth = 0
        var start = range.lowerBound
        for at in range {
            guard case .symbol(let byte) = tokens[at] else { continue }
            if byte == 40 { depth += 1 }
            if byte == 41 {
                depth -= 1
                if depth < 0 { return nil }
            }
            if byte == 44 && depth == 0 {
                parts.append(start..<at)
                start = at + 1
            }
        }
        if depth != 0 { return nil }
        parts.append(start..<range.upperBound)
        return parts
    }

    /// The identifiers of a key part list `(a, b(10) DESC, …)` opening at `index`: the first name of each part.
    func keyColumns(_ index: Int, end: Int) -> [String]? {
        guard isSymbol(index, 40), let close = skipGroup(index, end: end) else { return nil }
        guard let parts = splitAtCommas((index + 1)..<(close - 1)) else { return nil }
        var names: [String] = []
        for part in parts {
            guard let name = identifier(part.lowerBound) else { return nil }
            names.append(name)
        }
        return names
    }
}
