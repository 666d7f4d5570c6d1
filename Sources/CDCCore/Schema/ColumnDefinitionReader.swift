/// Reads one column definition (`name type[(args)] [attributes…]`) from DDL tokens into a `ColumnSchema`.
enum ColumnDefinitionReader {
    /// Parses tokens `range` of `tokens`; nil when the type is unknown or the definition is malformed.
    /// `isPrimaryKey` is true for an inline `PRIMARY KEY` (or `KEY`) attribute.
    static func read(_ tokens: DDLTokens, _ range: Range<Int>) -> (column: ColumnSchema, isPrimaryKey: Bool)? {
        let end = range.upperBound
        var at = range.lowerBound
        guard at < end, let name = tokens.identifier(at) else { return nil }
        at += 1
        guard at < end, var typeWord = tokens.word(at) else { return nil }
        at += 1
        var charset: String?
        // Multi-word type names and synonyms.
        switch typeWord {
        case "double" where tokens.isWord(at, "precision"):
            at += 1
        case "character", "char":
            if tokens.isWord(at, "varying") {
                typeWord = "varchar"
                at += 1
            } else {
                typeWord = "char"
            }
        case "national":
            guard let next = tokens.word(at) else { return nil }
            at += 1
            charset = "utf8mb3"
            if next == "varchar" || ((next == "char" || next == "character") && tokens.isWord(at, "varying")) {
                if next != "varchar" { at += 1 }
                typeWord = "varchar"
            } else if next == "char" || next == "character" {
                typeWord = "char"
            } else {
                return nil
            }
        case "nchar":
            charset = "utf8mb3"
            if tokens.isWord(at, "varchar") || tokens.isWord(at, "varying") {
                at += 1
                typeWord = "varchar"
            } else {
                typeWord = "char"
            }
        case "nvarchar":
            charset = "utf8mb3"
            typeWord = "varchar"
        case "long":
            if tokens.isWord(at, "varchar") {
                at += 1
                typeWord = "mediumtext"
            } else if tokens.isWord(at, "varbinary") {
                at += 1
                typeWord = "mediumblob"
            } else {
                typeWord = "mediumtext"
            }
        default:
            break
        }
        // Type arguments: numbers, or strings for ENUM/SET.
        var numbers: [Int] = []
        var strings: [String] = []
        if tokens.isSymbol(at, 40) {
            guard let close = tokens.skipGroup(at, end: end) else { return nil }
            for index in (at + 1)..<(close - 1) {
                switch tokens.tokens[index] {
                case .number:
                    if let value = tokens.number(index) { numbers.append(value) }
                case .string(let text): strings.append(text)
                case .symbol(44), .symbol(46): break
                default: return nil
                }
            }
            at = close
        }
        guard var column = makeColumn(name, typeWord, numbers, strings) else { return nil }
        if let charset { column.charset = charset }
        let isPrimaryKey = readAttributes(tokens, at..<end, into: &column)
        return (column, isPrimaryKey)
    }

    /// The column for a resolved type word and its arguments.
    static func makeColumn(_ name: String, _ typeWord: String, _ numbers: [Int], _ strings: [String]) -> ColumnSchema? {
        var column = ColumnSchema(name: name, type: typeWord)
        let first = numbers.first
        switch typeWord {
        case "tinyint", "smallint", "mediumint", "int", "bigint":
            column.length = first
        case "integer", "int4":
            column.type = "int"
            column.length = first
        case "int1":
            column.type = "tinyint"
            column.length = first
        case "int2":
            column.type = "smallint"
            column.length = first
        case "int3", "middleint":
            column.type = "mediumint"
            column.length = first
        case "int8":
            column.type = "bigint"
            column.length = first
        case "bool", "boolean":
            column.type = "tinyint"
            column.length = 1
        case "serial":
            column.type = "bigint"
            column.unsigned = true
            column.nullable = false
        case "decimal", "dec", "numeric", "fixed":
            column.type = "decimal"
            column.precision = first ?? 10
            column.scale = numbers.count > 1 ? numbers[1] : 0
        case "float", "float4":
            column.type = "float"
            if numbers.count >= 2 {
                column.precision = numbers[0]
                column.scale = numbers[1]
            } else if let first, first > 24 {
                column.type = "double"
            }
        case "double", "float8", "real":
            column.type = "double"
            if numbers.count >= 2 {
                column.precision = numbers[0]
                column.scale = numbers[1]
            }
        case "char", "binary":
            column.length = first ?? 1
        case "varchar", "varbinary":
            guard let first else { return nil }
            column.length = first
        case "text", "blob":
            if let first {
                // TEXT(M)/BLOB(M): the smallest type that holds M (characters taken as up to 4 bytes).
                let bytes = typeWord == "text" ? first * 4 : first
                let prefix = bytes < 256 ? "tiny" : bytes < 65536 ? "" : bytes < 1 << 24 ? "medium" : "long"
                column.type = prefix + typeWord
            }
        case "tinytext", "mediumtext", "longtext", "tinyblob", "mediumblob", "longblob", "json", "date",
            "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
            "geometrycollection", "inet6", "inet4", "uuid":
            break
        case "geomcollection":
            column.type = "geometrycollection"
        case "time", "datetime", "timestamp":
            column.fsp = first
        case "year":
            column.length = first
        case "bit":
            column.length = first ?? 1
        case "enum", "set":
            column.labels = strings
        case "vector":
            column.length = first
        default:
            return nil
        }
        return column
    }

    /// Reads the attributes after the type: signedness, nullability, character set, collation, inline primary
    /// key, compression; skips defaults, comments, generated-column expressions and everything else.
    static func readAttributes(_ tokens: DDLTokens, _ range: Range<Int>, into column: inout ColumnSchema) -> Bool {
        var isPrimaryKey = false
        var at = range.lowerBound
        let end = range.upperBound
        while at < end {
            if tokens.isSymbol(at, 40) {
                at = tokens.skipGroup(at, end: end) ?? end
                continue
            }
            guard let word = tokens.word(at) else {
                at += 1
                continue
            }
            at += 1
            switch word {
            case "unsigned": column.unsigned = true
            case "zerofill":
                column.zerofill = true
                column.unsigned = true
            case "not":
                if tokens.isWord(at, "null") {
                    column.nullable = false
                    at += 1
                }
            case "null": column.nullable = true
            case "character", "char":
                if tokens.isWord(at, "set") { at += 1 }
                if tokens.isSymbol(at, 61) { at += 1 }
                column.charset = tokens.value(at).map(DDLParser.normalizeCharset)
                at += 1
            case "charset":
                if tokens.isSymbol(at, 61) { at += 1 }
                column.charset = tokens.value(at).map(DDLParser.normalizeCharset)
                at += 1
            case "collate":
                if tokens.isSymbol(at, 61) { at += 1 }
                column.collation = tokens.value(at).map(DDLParser.normalizeCollation)
                at += 1
            case "ascii": column.charset = "latin1"
            case "unicode": column.charset = "ucs2"
            case "byte": column.charset = "binary"
            case "primary", "key":
                column.nullable = false
                isPrimaryKey = true
                if word == "primary" && tokens.isWord(at, "key") { at += 1 }
            case "unique":
                if tokens.isWord(at, "key") { at += 1 }
            case "default":
                at = skipValue(tokens, at, end: end)
            case "on":
                if tokens.isWord(at, "update") { at = skipValue(tokens, at + 1, end: end) }
            case "compressed":
                column.compressed = true
                if tokens.isSymbol(at, 61) { at += 2 }
            case "references":
                return isPrimaryKey
            default:
                break
            }
        }
        return isPrimaryKey
    }

    /// Skips one value expression: a literal, a signed number, a name, a function call or a parenthesized group.
    static func skipValue(_ tokens: DDLTokens, _ start: Int, end: Int) -> Int {
        var at = start
        if tokens.isSymbol(at, 45) || tokens.isSymbol(at, 43) { at += 1 }
        if tokens.isSymbol(at, 40) { return tokens.skipGroup(at, end: end) ?? end }
        at += 1
        // 1.5 or b'101' / x'ff' / _utf8mb4'x' (prefix word then string) or a function call.
        if tokens.isSymbol(at, 46), at + 1 < end, tokens.number(at + 1) != nil { at += 2 }
        if at < end, case .string = tokens.tokens[at], at - 1 >= start, tokens.word(at - 1) != nil { at += 1 }
        if tokens.isSymbol(at, 40) { return tokens.skipGroup(at, end: end) ?? end }
        return at
    }
}
