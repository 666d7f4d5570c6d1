import CDCCore
import Testing

@testable import MySQLSource

@Suite("Preflight: SELECT on the captured tables")
struct PreflightTests {
    let user = "'cdc'@'%'"

    func item(_ grants: [String], include: [String]) -> PreflightItem {
        Preflight.selectItem(
            GrantSet(showGrants: grants), user: user, tables: TableFilter(includes: include), roleNote: "")
    }

    @Test("global SELECT, or SELECT on each captured database or table: ok")
    func covered() {
        #expect(item(["GRANT SELECT ON *.* TO `cdc`@`%`"], include: []).status == .ok)
        #expect(item(["GRANT SELECT ON `shop`.* TO `cdc`@`%`"], include: ["shop.*", "shop.orders"]).status == .ok)
        #expect(item(["GRANT SELECT ON `shop`.`orders` TO `cdc`@`%`"], include: ["shop.orders"]).status == .ok)
    }

    @Test("a captured database or table without SELECT: fail with the GRANT for each, nothing for the covered ones")
    func missing() {
        let result = item(
            ["GRANT SELECT ON `shop`.* TO `cdc`@`%`"], include: ["shop.*", "crm.*", "billing.invoices"])
        #expect(result.status == .fail)
        #expect(
            result.fix == "GRANT SELECT ON `crm`.* TO 'cdc'@'%'; GRANT SELECT ON `billing`.`invoices` TO 'cdc'@'%';",
            "\(result.fix)")
        #expect(!result.fix.contains("`shop`"))
    }

    @Test("no SELECT anywhere, no --include: fail; some SELECT, no --include: warn")
    func withoutInclude() {
        #expect(item(["GRANT REPLICATION SLAVE ON *.* TO `cdc`@`%`"], include: []).status == .fail)
        #expect(item(["GRANT SELECT ON `shop`.* TO `cdc`@`%`"], include: []).status == .warn)
    }

    @Test("table-level grants under a table wildcard, a database wildcard: warn (cannot be told by name)")
    func undecidable() {
        let partial = item(["GRANT SELECT ON `shop`.`orders` TO `cdc`@`%`"], include: ["shop.*"])
        #expect(partial.status == .warn && partial.detail.contains("shop.orders"), "\(partial.detail)")
        let wildcard = item(["GRANT SELECT ON `shop`.* TO `cdc`@`%`"], include: ["*.orders"])
        #expect(wildcard.status == .warn && wildcard.detail.contains("*.orders"), "\(wildcard.detail)")
        #expect(item([], include: ["*.orders"]).status == .fail)
    }
}
