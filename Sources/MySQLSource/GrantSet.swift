/// The privileges `SHOW GRANTS` lists for the connected user, by level: global (`*.*`), per database (`` `db`.* ``,
/// whose name may hold the LIKE wildcards `%` and `_`, `\_` for a literal underscore) and per table
/// (`` `db`.`t` ``; column-level `SELECT (a, b)` counts as SELECT on some of the table's columns).
///
/// Only what `check` needs. Privileges inherited through roles (`GRANT role TO user`) are not followed: SHOW GRANTS
/// lists the role's name, not its privileges, so a user whose privileges all come from a role is reported as
/// lacking them (the role's own grants show with `SHOW GRANTS FOR role`).
public struct GrantSet: Sendable, Equatable {
    public struct DatabaseGrant: Sendable, Equatable {
        /// The name as written in the grant (LIKE pattern).
        public var pattern: String
        public var privileges: Set<String>
    }

    public struct TableGrant: Sendable, Equatable {
        public var database: String
        public var table: String
        public var privileges: Set<String>
        /// Privileges granted on some columns only (`SELECT (a, b)`).
        public var columnPrivileges: Set<String>
    }

    public var global: Set<String> = []
    public var databases: [DatabaseGrant] = []
    public var tables: [TableGrant] = []
    /// Role names granted to the user (`GRANT `r` TO `u``).
    public var roles: [String] = []

    public init() {}

    /// Parses SHOW GRANTS lines; lines of other shapes (PROXY, procedures) are skipped.
    public init(showGrants lines: [String]) {
        for line in lines { add(line) }
    }

    /// Whether the user holds `privilege` globally (or ALL PRIVILEGES globally).
    public func hasGlobal(_ privilege: String) -> Bool {
        global.contains(privilege) || global.contains("ALL PRIVILEGES") || global.contains("ALL")
    }

    /// Whether `privilege` covers every table of `database`: globally or by a database-level grant matching it.
    public func covers(_ privilege: String, database: String) -> Bool {
        if hasGlobal(privilege) { return true }
        return databases.contains { grant in
            (grant.privileges.contains(privilege) || grant.privileges.contains("ALL PRIVILEGES")
                || grant.privileges.contains("ALL")) && Self.like(grant.pattern, database)
        }
    }

    /// Whether `privilege` covers the whole table `database`.`table`.
    public func covers(_ privilege: String, database: String, table: String) -> Bool {
        if covers(privilege, database: database) { return true }
        return tables.contains { grant in
            grant.database == database && grant.table == table
                && (grant.privileges.contains(privilege) || grant.privileges.contains("ALL PRIVILEGES")
                    || grant.privileges.contains("ALL"))
        }
    }

    /// Table-level grants of `privilege` (whole table or some columns) in `database`.
    public func tables(with privilege: String, in database: String) -> [TableGrant] {
        tables.filter {
            $0.database == database
                && ($0.privileges.contains(privilege) || $0.columnPrivileges.contains(privilege)
                    || $0.privileges.contains("ALL PRIVILEGES"))
        }
    }

    /// Whether `privilege` is granted anywhere (any level, any column).
    public func hasAnywhere(_ privilege: String) -> Bool {
        hasGlobal(privilege) || databases.contains { $0.privileges.contains(privilege) }
            || tables.contains { $0.privileges.contains(privilege) || $0.columnPrivileges.contains(privilege) }
    }

    mutating func add(_ line: String) {
        guard line.uppercased().hasPrefix("GRANT ") else { return }
        let text = Substring(line).dropFirst(6)
        // The privilege list ends at " ON " outside parentheses and back-quotes.
        guard let on = Self.findKeyword(" ON ", in: text) else {
            // `GRANT `role` TO `user``.
            if let to = Self.findKeyword(" TO ", in: text) {
                roles.append(Self.identifiers(text[..<to]).first ?? String(text[..<to]))
            }
            return
        }
        var privileges = Set<String>()
        var columnPrivileges = Set<String>()
        for item in Self.splitTopLevel(text[..<on]) {
            let trimmed = item.trimmingSpaces()
            if let paren = trimmed.firstIndex(of: "(") {
                columnPrivileges.insert(trimmed[..<paren].trimmingSpaces().uppercased())
            } else if !trimmed.isEmpty {
                privileges.insert(trimmed.uppercased())
            }
        }
        var target = text[text.index(on, offsetBy: 4)...]
        guard let to = Self.findKeyword(" TO ", in: target) else { return }
        target = target[..<to]
        let targetText = target.trimmingSpaces()
        for kind in ["PROCEDURE ", "FUNCTION ", "PACKAGE ", "PACKAGE BODY "]
        where targetText.uppercased().hasPrefix(kind) {
            return
        }
        if targetText == "*.*" || targetText == "*" {
            global.formUnion(privileges)
            return
        }
        let names = Self.identifiers(Substring(targetText))
        if targetText.hasSuffix(".*"), names.count == 1 {
            databases.append(DatabaseGrant(pattern: names[0], privileges: privileges))
        } else if names.count == 2 {
            tables.append(
                TableGrant(
                    database: names[0], table: names[1], privileges: privileges, columnPrivileges: columnPrivileges))
        }
    }

    /// The index of `keyword` in `text`, outside back-quotes, quotes and parentheses.
    static func findKeyword(_ keyword: String, in text: Substring) -> String.Index? {
        let upper = Array(keyword.utf8)
        var depth = 0
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth = max(0, depth - 1)
            } else if depth == 0, text[index...].utf8.count >= upper.count,
                zip(text[index...].utf8.prefix(upper.count), upper).allSatisfy({ Self.upper($0) == $1 })
            {
                return index
            }
            index = text.index(after: index)
        }
        return nil
    }

    static func upper(_ byte: UInt8) -> UInt8 { byte >= 97 && byte <= 122 ? byte - 32 : byte }

    /// Comma-separated items outside parentheses and quotes.
    static func splitTopLevel(_ text: Substring) -> [Substring] {
        var items: [Substring] = []
        var depth = 0
        var quote: Character?
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth = max(0, depth - 1)
            } else if character == ",", depth == 0 {
                items.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        items.append(text[start...])
        return items
    }

    /// The back-quoted identifiers in `text` (doubled back-quotes unescaped), or the dot-separated bare names.
    static func identifiers(_ text: Substring) -> [String] {
        guard text.contains("`") else {
            return text.split(separator: ".").map { String($0).trimmingSpaces() }.filter { $0 != "*" }
        }
        var names: [String] = []
        var current = ""
        var inside = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if inside {
                if character == "`" {
                    if next < text.endIndex, text[next] == "`" {
                        current.append("`")
                        index = text.index(after: next)
                        continue
                    }
                    names.append(current)
                    current = ""
                    inside = false
                } else {
                    current.append(character)
                }
            } else if character == "`" {
                inside = true
            }
            index = next
        }
        return names
    }

    /// SQL LIKE with `%`, `_` and `\` escapes (how database-level grants match names), iterative.
    static func like(_ pattern: String, _ name: String) -> Bool {
        // Tokens: (literal byte, or nil for `_`), and `%` markers.
        enum Token: Equatable {
            case byte(UInt8)
            case one
            case any
        }
        var tokens: [Token] = []
        var bytes = Array(pattern.utf8)[...]
        while let byte = bytes.popFirst() {
            switch byte {
            case UInt8(ascii: "\\"): tokens.append(.byte(bytes.popFirst() ?? byte))
            case UInt8(ascii: "%"): tokens.append(.any)
            case UInt8(ascii: "_"): tokens.append(.one)
            default: tokens.append(.byte(byte))
            }
        }
        let text = Array(name.utf8)
        var p = 0
        var t = 0
        var star = -1
        var starT = 0
        while t < text.count {
            if p < tokens.count, tokens[p] == .one || tokens[p] == .byte(text[t]) {
                p += 1
                t += 1
            } else if p < tokens.count, tokens[p] == .any {
                star = p
                starT = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == .any { p += 1 }
        return p == tokens.count
    }
}
