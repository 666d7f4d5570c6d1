/// `--include` / `--exclude` table selection by `db.table` glob (`*` any run, `?` one character; case-sensitive
/// as MySQL table names on Linux are). With no includes every table is included; excludes win.
public struct TableFilter: Sendable, CustomStringConvertible {
    public var includes: [String]
    public var excludes: [String]

    public init(includes: [String] = [], excludes: [String] = []) {
        self.includes = includes
        self.excludes = excludes
    }

    public var isEmpty: Bool { includes.isEmpty && excludes.isEmpty }

    /// A canonical text of the selection (patterns sorted, duplicates dropped): equal texts select the same tables.
    public var description: String {
        "include=" + Set(includes).sorted().joined(separator: ",") + " exclude="
            + Set(excludes).sorted().joined(separator: ",")
    }

    public func accepts(database: String, table: String) -> Bool {
        let name = Array("\(database).\(table)".utf8)
        if !includes.isEmpty && !includes.contains(where: { Self.matches(Array($0.utf8), name) }) { return false }
        return !excludes.contains(where: { Self.matches(Array($0.utf8), name) })
    }

    /// Iterative glob match with backtracking to the last `*` (linear in practice, no recursion).
    static func matches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == 63 || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == 42 {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == 42 { p += 1 }
        return p == pattern.count
    }
}
