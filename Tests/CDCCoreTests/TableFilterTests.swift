import CDCCore
import Testing

/// `--include`/`--exclude` globs on `db.table`: `*` any run, `?` one character, case-sensitive; excludes win.
@Suite struct TableFilterTests {
    @Test func emptyFilterAcceptsEverything() {
        let filter = TableFilter()
        #expect(filter.isEmpty && filter.accepts(database: "any", table: "thing"))
    }

    @Test(arguments: [
        ("shop.orders", "shop", "orders", true),
        ("shop.*", "shop", "orders", true),
        ("shop.*", "shopping", "orders", false),
        ("*.orders", "a", "orders", true),
        ("*", "", "", true),
        ("*.*", "a", "b", true),
        ("shop.order?", "shop", "orders", true),
        ("shop.order?", "shop", "order", false),
        ("shop.?", "shop", "", false),
        ("sh?p.*s", "shop", "orders", true),
        ("Shop.orders", "shop", "orders", false),
        ("shop.orders", "shop", "orders2", false),
        ("shop.orders*", "shop", "orders", true),
        ("**", "x", "y", true),
        ("*.*.*", "a", "b", false),
        ("a*b*c", "axxb", "yyc", true),
        ("a*b*c", "axxb", "yyd", false),
        ("日本.*", "日本", "t", true),
        ("?.t", "日", "t", false),  // `?` is one byte; a multi-byte character is more than one
    ])
    func includes(pattern: String, database: String, table: String, accepted: Bool) {
        #expect(
            TableFilter(includes: [pattern]).accepts(database: database, table: table) == accepted,
            "\(pattern) vs \(database).\(table)")
    }

    @Test func excludesWin() {
        let filter = TableFilter(includes: ["shop.*", "crm.customers"], excludes: ["shop.tmp_*", "*.log"])
        #expect(filter.accepts(database: "shop", table: "orders"))
        #expect(!filter.accepts(database: "shop", table: "tmp_1"))
        #expect(!filter.accepts(database: "shop", table: "log"))
        #expect(filter.accepts(database: "crm", table: "customers"))
        #expect(!filter.accepts(database: "crm", table: "leads"))
        let excludeOnly = TableFilter(excludes: ["mysql.*"])
        #expect(
            !excludeOnly.accepts(database: "mysql", table: "user") && excludeOnly.accepts(database: "app", table: "t"))
    }

    /// Patterns that make naive recursive matchers exponential: linear here (a blowup would hang this test).
    @Test(.timeLimit(.minutes(1))) func noBacktrackingBlowup() {
        let long = String(repeating: "a", count: 20_000)
        let patterns = [
            "a*a*a*a*b", "*a*a*a*a*a*a*a*a*a*a*b", String(repeating: "*a", count: 50) + "b",
            String(repeating: "?", count: 30) + "*b",
        ]
        for pattern in patterns {
            #expect(!TableFilter(includes: [pattern]).accepts(database: long, table: long), "\(pattern)")
        }
        #expect(TableFilter(includes: ["a*a*a*a*a"]).accepts(database: long, table: long + "a"))
        let table = String(repeating: "a", count: 64)
        #expect(!TableFilter(includes: ["*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c"]).accepts(database: "db", table: table))
    }
}
