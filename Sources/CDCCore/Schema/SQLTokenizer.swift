/// Splits SQL text into the tokens the DDL readers work on: words, quoted identifiers, string literals, numbers and
/// single-byte symbols.
///
/// Comments (`/* */`, `-- `, `#`) are skipped, except MySQL's executable comments (`/*!50100 … */`, MariaDB's
/// `/*M!100100 … */`) whose content counts, as the server runs it. Linear in the input, no recursion, so hostile
/// text (deep nesting, huge statements) costs time and memory in proportion to its length only; `maxTokens` bounds
/// the output and `tokenize` returns nil beyond it.
public enum SQLTokenizer {
    public enum Token: Equatable, Sendable {
        /// An unquoted word: keyword or identifier, as written.
        case word(String)
        /// A backtick-quoted identifier, unescaped.
        case quoted(String)
        /// A string literal ('…' or "…"), with `''` and backslash escapes decoded.
        case string(String)
        /// A run of decimal digits.
        case number(String)
        /// Any other byte: `(`, `)`, `,`, `.`, `=`, `;`, …
        case symbol(UInt8)
    }

    /// The most tokens one statement may have (a 4096-column CREATE TABLE needs a few tens of thousands).
    public static let maxTokens = 2_000_000

    /// The tokens of `text`, or nil when there are more than `maxTokens`.
    public static func tokenize(_ text: [UInt8], maxTokens: Int = SQLTokenizer.maxTokens) -> [Token]? {
        var tokens: [Token] = []
        var index = 0
        var inExecutableComment = false
        while index < text.count {
            if tokens.count > maxTokens { return nil }
            let byte = text[index]
            switch byte {
            case 32, 9, 10, 13, 12, 11:
                index += 1
            case 96:  // `name`, with `` for a backtick
                var end = index + 1
                var name: [UInt8] = []
                while end < text.count {
                    if text[end] == 96 {
                        if end + 1 < text.count && text[end + 1] == 96 {
                            name.append(96)
                            end += 2
                            continue
                        }
                        break
                    }
                    name.append(text[end])
                    end += 1
                }
                tokens.append(.quoted(String(decoding: name, as: UTF8.self)))
                index = end + 1
            case 39, 34:  // 'string' or "string"
                var end = index + 1
                var value: [UInt8] = []
                while end < text.count {
                    let c = text[end]
                    if c == byte {
                        if end + 1 < text.count && text[end + 1] == byte {
                            value.append(byte)
                            end += 2
                            continue
                        }
                        break
                    }
                    if c == 92 && end + 1 < text.count {
                        value.append(contentsOf: unescape(text[end + 1]))
                        end += 2
                        continue
                    }
                    value.append(c)
                    end += 1
                }
                tokens.append(.string(String(decoding: value, as: UTF8.self)))
                index = end + 1
            case 45 where index + 1 < text.count && text[index + 1] == 45:  // -- comment
                while index < text.count && text[index] != 10 { index += 1 }
            case 35:  // # comment
                while index < text.count && text[index] != 10 { index += 1 }
            case 42 where inExecutableComment && index + 1 < text.count && text[index + 1] == 47:
                inExecutableComment = false  // the */ closing an executable comment
                index += 2
            case 47 where index + 1 < text.count && text[index + 1] == 42:
                var start = index + 2
                if start < text.count && text[start] == 77 && start + 1 < text.count && text[start + 1] == 33 {
                    start += 1  // MariaDB-only form: slash, star, M, bang
                }
                if start < text.count && text[start] == 33 && !inExecutableComment {
                    // /*!NNNNN content */: the content is part of the statement.
                    start += 1
                    while start < text.count, text[start] >= 48, text[start] <= 57 { start += 1 }
                    inExecutableComment = true
                    index = start
                } else {
                    var end = index + 2
                    while end + 1 < text.count && !(text[end] == 42 && text[end + 1] == 47) { end += 1 }
                    index = end + 2
                }
            case 48...57:
                var end = index
                while end < text.count, text[end] >= 48, text[end] <= 57 { end += 1 }
                if end < text.count && isWordByte(text[end]) && !(text[end] >= 48 && text[end] <= 57) {
                    // 1abc is an identifier in MySQL (and 0x1F, 1e5 are literals): keep it as one word.
                    while end < text.count && isWordByte(text[end]) { end += 1 }
                    tokens.append(.word(String(decoding: text[index..<end], as: UTF8.self)))
                } else {
                    tokens.append(.number(String(decoding: text[index..<end], as: UTF8.self)))
                }
                index = end
            case 65...90, 97...122, 95, 36, 128...255:
                var end = index
                while end < text.count && isWordByte(text[end]) { end += 1 }
                tokens.append(.word(String(decoding: text[index..<end], as: UTF8.self)))
                index = end
            default:
                tokens.append(.symbol(byte))
                index += 1
            }
        }
        return tokens
    }

    static func isWordByte(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95 || c == 36 || c >= 128
    }

    /// MySQL's backslash escapes in string literals; `\%` and `\_` keep their backslash.
    static func unescape(_ c: UInt8) -> [UInt8] {
        switch c {
        case 48: return [0]  // \0
        case 98: return [8]  // \b
        case 110: return [10]  // \n
        case 114: return [13]  // \r
        case 116: return [9]  // \t
        case 90: return [26]  // \Z
        case 37, 95: return [92, c]  // \% \_
        default: return [c]
        }
    }
}
