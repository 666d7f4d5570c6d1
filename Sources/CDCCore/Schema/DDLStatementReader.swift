/// The grammar of one DDL statement, over its tokens; `DDLParser.parse` is the entry point.
struct DDLStatementReader {
    let tokens: DDLTokens
    let end: Int
    let defaultDatabase: String?
    var at = 0

    init(tokens: DDLTokens, end: Int, defaultDatabase: String?) {
        self.tokens = tokens
        self.end = end
        self.defaultDatabase = defaultDatabase
    }

    mutating func read() -> [SchemaChange] {
        guard let first = tokens.word(at) else { return [] }
        at += 1
        switch first {
        case "create": return create()
        case "alter": return alter()
        case "drop": return drop()
        case "rename": return rename()
        case "truncate":
            if tokens.isWord(at, "table") { at += 1 }
            guard let name = tableName() else { return [.unparsed(table: nil, reason: "TRUNCATE without a table")] }
            return [.truncate(name)]
        default: return []
        }
    }

    // MARK: - names

    /// `name` or `db.name` at the cursor, with the default database for an unqualified name.
    mutating func tableName() -> TableName? {
        guard at < end, let first = tokens.identifier(at) else { return nil }
        if tokens.isSymbol(at + 1, 46), at + 2 < end, let second = tokens.identifier(at + 2) {
            at += 3
            return TableName(first, second)
        }
        at += 1
        guard let defaultDatabase else { return nil }
        return TableName(defaultDatabase, first)
    }

    mutating func skipWords(_ words: String...) -> Bool {
        for (offset, word) in words.enumerated() where !tokens.isWord(at + offset, word) { return false }
        at += words.count
        return true
    }

    // MARK: - CREATE

    mutating func create() -> [SchemaChange] {
        _ = skipWords("or", "replace")
        // DEFINER=… and other prefixes only come with views, triggers and routines: not tables.
        while let word = tokens.word(at), word == "temporary" || word == "global" { at += 1 }
        if let word = tokens.word(at), word == "database" || word == "schema" {
            at += 1
            _ = skipWords("if", "not", "exists")
            guard let name = tokens.identifier(at) else { return [] }
            at += 1
            return databaseDefaults(name)
        }
        guard tokens.isWord(at, "table") else { return [] }
        at += 1
        _ = skipWords("if", "not", "exists")
        guard let name = tableName() else {
            return [.unparsed(table: nil, reason: "CREATE TABLE without a readable name (or default database)")]
        }
        // CREATE TABLE t LIKE s / CREATE TABLE t (LIKE s)
        if tokens.isWord(at, "like") || (tokens.isSymbol(at, 40) && tokens.isWord(at + 1, "like")) {
            at += tokens.isSymbol(at, 40) ? 2 : 1
            guard let source = tableName() else { return [.unparsed(table: name, reason: "CREATE TABLE … LIKE")] }
            return [.createLike(source: source, target: name)]
        }
        guard tokens.isSymbol(at, 40), let close = tokens.skipGroup(at, end: end) else {
            return [.unparsed(table: name, reason: "CREATE TABLE without a column list (… AS SELECT?)")]
        }
        guard let elements = tokens.splitAtCommas((at + 1)..<(close - 1)) else {
            return [.unparsed(table: name, reason: "unbalanced parentheses")]
        }
        var schema = TableSchema(database: name.database, table: name.table, columns: [])
        for element in elements {
            guard readCreateElement(element, into: &schema) else {
                return [.unparsed(table: name, reason: "column definition not understood: \(describe(element))")]
            }
        }
        if schema.columns.isEmpty { return [.unparsed(table: name, reason: "no columns")] }
        at = close
        // Table options; a SELECT after them adds columns this reader cannot know.
        while at < end {
            if tokens.isSymbol(at, 40) {
                at = tokens.skipGroup(at, end: end) ?? end
                continue
            }
            let word = tokens.word(at)
            if word == "select" || word == "as" || word == "with" {
                return [.unparsed(table: name, reason: "CREATE TABLE … SELECT")]
            }
            if word == "partition" { break }
            if let (charset, collation) = charsetOption() {
                if let charset { schema.charset = charset }
                if let collation { schema.collation = collation }
                continue
            }
            at += 1
        }
        return [.create(schema)]
    }

    /// One element of a CREATE TABLE list: a column, a PRIMARY KEY constraint, or an ignored index/constraint.
    /// False when it is neither.
    func readCreateElement(_ range: Range<Int>, into schema: inout TableSchema) -> Bool {
        let start = range.lowerBound
        guard start < range.upperBound else { return false }
        if let key = primaryKeyConstraint(range) {
            schema.primaryKey = key
            markNotNull(&schema)
            return true
        }
        if isIgnoredElement(start) { return true }
        guard let (column, isPrimaryKey) = ColumnDefinitionReader.read(tokens, range) else { return false }
        schema.columns.append(column)
        if isPrimaryKey { schema.primaryKey = [column.name] }
        return true
    }

    /// `[CONSTRAINT [name]] PRIMARY KEY [USING …] (cols)` in `range`: its columns.
    func primaryKeyConstraint(_ range: Range<Int>) -> [String]? {
        var at = range.lowerBound
        if tokens.isWord(at, "constraint") {
            at += 1
            if !tokens.isWord(at, "primary") { at += 1 }
        }
        guard tokens.isWord(at, "primary"), tokens.isWord(at + 1, "key") else { return nil }
        at += 2
        while at < range.upperBound && !tokens.isSymbol(at, 40) { at += 1 }  // USING BTREE, index name
        return tokens.keyColumns(at, end: range.upperBound)
    }

    /// Index and constraint elements that do not change the row image.
    func isIgnoredElement(_ at: Int) -> Bool {
        guard let word = tokens.word(at) else { return false }
        switch word {
        case "key", "index", "unique", "fulltext", "spatial", "foreign", "constraint", "check": return true
        case "period": return tokens.isWord(at + 1, "for")
        default: return false
        }
    }

    func markNotNull(_ schema: inout TableSchema) {
        for name in schema.primaryKey {
            if let index = schema.columnIndex(name) { schema.columns[index].nullable = false }
        }
    }

    /// `[DEFAULT] CHARACTER SET [=] x`, `[DEFAULT] CHARSET [=] x` or `[DEFAULT] COLLATE [=] x` at the cursor.
    mutating func charsetOption() -> (String?, String?)? {
        var probe = at
        if tokens.isWord(probe, "default") { probe += 1 }
        var isCollation = false
        if tokens.isWord(probe, "character") && tokens.isWord(probe + 1, "set") {
            probe += 2
        } else if tokens.isWord(probe, "charset") {
            probe += 1
        } else if tokens.isWord(probe, "collate") {
            probe += 1
            isCollation = true
        } else {
            return nil
        }
        if tokens.isSymbol(probe, 61) { probe += 1 }
        guard let value = tokens.value(probe) else { return nil }
        at = probe + 1
        return isCollation ? (nil, DDLParser.normalizeCollation(value)) : (DDLParser.normalizeCharset(value), nil)
    }

    mutating func databaseDefaults(_ name: String) -> [SchemaChange] {
        var charset: String?
        var collation: String?
        while at < end {
            if let (newCharset, newCollation) = charsetOption() {
                charset = newCharset ?? charset
                collation = newCollation ?? collation
            } else {
                at += 1
            }
        }
        if charset == nil && collation == nil { return [] }
        return [.databaseDefaults(database: name, charset: charset, collation: collation)]
    }

    // MARK: - ALTER

    mutating func alter() -> [SchemaChange] {
        while let word = tokens.word(at), word == "online" || word == "offline" || word == "ignore" { at += 1 }
        if let word = tokens.word(at), word == "database" || word == "schema" {
            at += 1
            // ALTER DATABASE [name] options: without a name, the default database.
            var name = defaultDatabase
            if let word = tokens.word(at), ["default", "character", "charset", "collate"].contains(word) {
            } else if let given = tokens.identifier(at) {
                name = given
                at += 1
            }
            guard let name else { return [] }
            return databaseDefaults(name)
        }
        guard tokens.isWord(at, "table") else { return [] }
        at += 1
        _ = skipWords("if", "exists")
        guard let name = tableName() else {
            return [.unparsed(table: nil, reason: "ALTER TABLE without a readable name (or default database)")]
        }
        guard let specs = tokens.splitAtCommas(at..<end) else {
            return [.unparsed(table: name, reason: "unbalanced parentheses")]
        }
        var ops: [AlterOp] = []
        for spec in specs where !spec.isEmpty {
            guard readAlterSpec(spec, into: &ops) else {
                return [.unparsed(table: name, reason: "alteration not understood: \(describe(spec))")]
            }
        }
        return [.alter(name, ops)]
    }

    static let ignoredAlterWords: Set<String> = [
        "alter", "engine", "algorithm", "lock", "force", "auto_increment", "comment", "row_format", "order",
        "enable", "disable", "discard", "import", "coalesce", "reorganize", "exchange", "analyze", "check",
        "optimize", "rebuild", "repair", "remove", "truncate", "partition", "with", "without", "key_block_size",
        "stats_auto_recalc", "stats_persistent", "stats_sample_pages", "pack_keys", "checksum", "page_checksum",
        "delay_key_write", "max_rows", "min_rows", "avg_row_length", "data", "index", "insert_method",
        "union", "tablespace", "storage", "compression", "encryption", "encrypted", "encryption_key_id",
        "page_compressed", "page_compression_level", "transactional", "sequence", "secondary_engine",
        "autoextend_size", "start", "connection", "password", "ietf_quotes", "nowait", "wait", "validation",
        "upgrade", "secondary_load", "secondary_unload",
    ]

    /// One comma-separated alteration; false when it is not understood.
    /// Table options up to `end` (`DEFAULT CHARSET=…`, `COLLATE …`, among others it skips): one default-charset
    /// change when any is there.
    mutating func readDefaultCharset(until end: Int, into ops: inout [AlterOp]) {
        var charset: String?
        var collation: String?
        while at < end {
            if let (newCharset, newCollation) = charsetOption() {
                charset = newCharset ?? charset
                collation = newCollation ?? collation
            } else {
                at += 1
            }
        }
        if charset != nil || collation != nil {
            ops.append(.defaultCharset(charset: charset, collation: collation))
        }
    }

    mutating func readAlterSpec(_ spec: Range<Int>, into ops: inout [AlterOp]) -> Bool {
        at = spec.lowerBound
        let specEnd = spec.upperBound
        guard let word = tokens.word(at) else { return false }
        at += 1
        switch word {
        case "add":
            _ = skipWords("column")
            _ = skipWords("if", "not", "exists")
            if tokens.isSymbol(at, 40) {
                // ADD [COLUMN] (a …, b …)
                guard let close = tokens.skipGroup(at, end: specEnd), close == specEnd,
                    let parts = tokens.splitAtCommas((at + 1)..<(close - 1))
                else { return false }
                for part in parts {
                    if isIgnoredElement(part.lowerBound) { continue }
                    guard let (column, isPrimaryKey) = ColumnDefinitionReader.read(tokens, part) else { return false }
                    ops.append(.addColumn(column, .unchanged))
                    if isPrimaryKey { ops.append(.addPrimaryKey([column.name])) }
                }
                return true
            }
            if let key = primaryKeyConstraint(at..<specEnd) {
                ops.append(.addPrimaryKey(key))
                return true
            }
            if isIgnoredElement(at) || tokens.isWord(at, "partition") || tokens.isWord(at, "system") { return true }
            guard let (column, position, isPrimaryKey) = columnWithPosition(at..<specEnd) else { return false }
            ops.append(.addColumn(column, position))
            if isPrimaryKey { ops.append(.addPrimaryKey([column.name])) }
            return true
        case "drop":
            if tokens.isWord(at, "primary") && tokens.isWord(at + 1, "key") {
                ops.append(.dropPrimaryKey)
                return true
            }
            if let next = tokens.word(at),
                ["index", "key", "foreign", "constraint", "check", "partition", "unique", "system", "period"]
                    .contains(next)
            {
                return true
            }
            _ = skipWords("column")
            _ = skipWords("if", "exists")
            guard let name = tokens.identifier(at) else { return false }
            ops.append(.dropColumn(name))
            return true
        case "modify":
            _ = skipWords("column")
            _ = skipWords("if", "exists")
            guard let (column, position, isPrimaryKey) = columnWithPosition(at..<specEnd) else { return false }
            ops.append(.modifyColumn(column, position))
            if isPrimaryKey { ops.append(.addPrimaryKey([column.name])) }
            return true
        case "change":
            _ = skipWords("column")
            _ = skipWords("if", "exists")
            guard let old = tokens.identifier(at) else { return false }
            at += 1
            guard let (column, position, isPrimaryKey) = columnWithPosition(at..<specEnd) else { return false }
            ops.append(.changeColumn(old: old, column, position))
            if isPrimaryKey { ops.append(.addPrimaryKey([column.name])) }
            return true
        case "rename":
            if tokens.isWord(at, "column") {
                at += 1
                _ = skipWords("if", "exists")
                guard let from = tokens.identifier(at), tokens.isWord(at + 1, "to"), let to = tokens.identifier(at + 2)
                else { return false }
                ops.append(.renameColumn(from: from, to: to))
                return true
            }
            if let next = tokens.word(at), next == "index" || next == "key" { return true }
            if let next = tokens.word(at), next == "to" || next == "as" { at += 1 }
            guard let name = tableName() else { return false }
            ops.append(.renameTable(name))
            return true
        case "convert":
            guard tokens.isWord(at, "to") else { return false }
            at += 1
            var charset: String?
            var collation: String?
            while at < specEnd, let (newCharset, newCollation) = charsetOption() {
                charset = newCharset ?? charset
                collation = newCollation ?? collation
            }
            guard charset != nil || collation != nil else { return false }
            ops.append(.convertCharset(charset: charset, collation: collation))
            return true
        case "default", "character", "charset", "collate":
            at -= 1
            readDefaultCharset(until: specEnd, into: &ops)
            return true
        default:
            guard Self.ignoredAlterWords.contains(word) else { return false }
            // Table options may be space-separated: ENGINE=InnoDB DEFAULT CHARSET=latin1.
            readDefaultCharset(until: specEnd, into: &ops)
            return true
        }
    }

    /// A column definition followed by an optional `FIRST` or `AFTER name`.
    func columnWithPosition(_ range: Range<Int>) -> (ColumnSchema, ColumnPosition, Bool)? {
        var definitionEnd = range.upperBound
        var position = ColumnPosition.unchanged
        if definitionEnd - 1 > range.lowerBound, tokens.isWord(definitionEnd - 1, "first") {
            position = .first
            definitionEnd -= 1
        } else if definitionEnd - 2 > range.lowerBound, tokens.isWord(definitionEnd - 2, "after"),
            let name = tokens.identifier(definitionEnd - 1)
        {
            position = .after(name)
            definitionEnd -= 2
        }
        guard let (column, isPrimaryKey) = ColumnDefinitionReader.read(tokens, range.lowerBound..<definitionEnd)
        else { return nil }
        return (column, position, isPrimaryKey)
    }

    // MARK: - DROP, RENAME

    mutating func drop() -> [SchemaChange] {
        if tokens.isWord(at, "temporary") { at += 1 }
        if let word = tokens.word(at), word == "database" || word == "schema" {
            at += 1
            _ = skipWords("if", "exists")
            guard let name = tokens.identifier(at) else { return [] }
            return [.dropDatabase(name)]
        }
        guard let word = tokens.word(at), word == "table" || word == "tables" else { return [] }
        at += 1
        _ = skipWords("if", "exists")
        var changes: [SchemaChange] = []
        while at < end {
            guard let name = tableName() else { return [.unparsed(table: nil, reason: "DROP TABLE name list")] }
            changes.append(.drop(name))
            guard tokens.isSymbol(at, 44) else { break }
            at += 1
        }
        return changes
    }

    mutating func rename() -> [SchemaChange] {
        guard let word = tokens.word(at), word == "table" || word == "tables" else { return [] }
        at += 1
        _ = skipWords("if", "exists")
        var changes: [SchemaChange] = []
        while at < end {
            guard let from = tableName() else { return [.unparsed(table: nil, reason: "RENAME TABLE list")] }
            if tokens.isWord(at, "nowait") { at += 1 }
            if tokens.isWord(at, "wait") { at += 2 }
            guard tokens.isWord(at, "to") else { return [.unparsed(table: from, reason: "RENAME TABLE list")] }
            at += 1
            guard let to = tableName() else { return [.unparsed(table: from, reason: "RENAME TABLE list")] }
            changes.append(.rename(from: from, to: to))
            guard tokens.isSymbol(at, 44) else { break }
            at += 1
            _ = skipWords("if", "exists")
        }
        return changes
    }

    /// A short, bounded rendering of tokens for error messages.
    func describe(_ range: Range<Int>) -> String {
        var parts: [String] = []
        for index in range.prefix(12) {
            switch tokens.tokens[index] {
            case .word(let text), .number(let text): parts.append(text)
            case .quoted(let text): parts.append("`\(text)`")
            case .string(let text): parts.append("'\(text.prefix(20))'")
            case .symbol(let byte): parts.append(String(UnicodeScalar(byte)))
            }
        }
        return parts.joined(separator: " ") + (range.count > 12 ? " …" : "")
    }
}
