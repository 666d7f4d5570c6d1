import Testing

@testable import MySQLSource

@Suite("SHOW GRANTS parsing")
struct GrantSetTests {
    @Test("MariaDB 10.11 lines: global, database, table, column grants; the password hash is ignored")
    func mariaDBLines() {
        let grants = GrantSet(showGrants: [
            "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `cdc`@`%` IDENTIFIED BY PASSWORD '*ABCDEF0123'",
            "GRANT SELECT ON `shop`.* TO `cdc`@`%`",
            "GRANT SELECT, INSERT ON `crm`.`contacts` TO `cdc`@`%`",
            "GRANT SELECT (`id`, `name`) ON `crm`.`leads` TO `cdc`@`%`",
            "GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `cdc`@`%`",
            "GRANT `cdc_role` TO `cdc`@`%`",
        ])
        #expect(grants.global == ["REPLICATION SLAVE", "BINLOG MONITOR"])
        #expect(grants.hasGlobal("REPLICATION SLAVE") && !grants.hasGlobal("SELECT"))
        #expect(grants.covers("SELECT", database: "shop"))
        #expect(grants.covers("SELECT", database: "shop", table: "orders"))
        #expect(!grants.covers("SELECT", database: "crm"))
        #expect(grants.covers("SELECT", database: "crm", table: "contacts"))
        #expect(!grants.covers("SELECT", database: "crm", table: "leads"), "columns only")
        #expect(grants.tables(with: "SELECT", in: "crm").map(\.table) == ["contacts", "leads"])
        #expect(grants.roles == ["cdc_role"])
        #expect(!grants.databases.contains { $0.pattern == "shop" && $0.privileges.contains("EXECUTE") })
    }

    @Test("MySQL 8 lines, ALL PRIVILEGES, LIKE patterns in database names, back-quotes in names")
    func mysqlLines() {
        let grants = GrantSet(showGrants: [
            "GRANT RELOAD, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`10.%`",
            "GRANT ALL PRIVILEGES ON `app\\_%`.* TO `cdc`@`10.%`",
            "GRANT SELECT ON `we``ird`.`t,1` TO `cdc`@`10.%`",
            "GRANT USAGE ON *.* TO `other`@`%`",
        ])
        #expect(grants.hasGlobal("RELOAD") && grants.hasGlobal("REPLICATION CLIENT"))
        #expect(grants.covers("SELECT", database: "app_1"))
        #expect(!grants.covers("SELECT", database: "appx1"), "\\_ is a literal underscore")
        #expect(grants.covers("SELECT", database: "we`ird", table: "t,1"))
        #expect(
            GrantSet(showGrants: ["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"])
                .hasGlobal("SELECT"))
    }

    @Test("LIKE matching: %, _, escapes, no recursion")
    func like() {
        #expect(GrantSet.like("shop", "shop"))
        #expect(!GrantSet.like("shop", "shops"))
        #expect(GrantSet.like("sh_p", "ship"))
        #expect(GrantSet.like("%", ""))
        #expect(GrantSet.like("a%b%c", "aXXbYYc"))
        #expect(!GrantSet.like("a%b%c", "aXXbYY"))
        #expect(GrantSet.like(String(repeating: "%a", count: 50), String(repeating: "a", count: 200)))
    }
}
