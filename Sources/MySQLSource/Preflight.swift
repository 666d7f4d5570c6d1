import CDCCore

/// The requirements `binlog-sink check` reports on, each ok, warn or fail with the SQL (or setting) to fix it.
public struct PreflightItem: Sendable, Equatable {
    public enum Status: String, Sendable { case ok, warn, fail }
    public var name: String
    public var status: Status
    public var detail: String
    /// What to run or change ("" when nothing).
    public var fix: String

    public init(_ name: String, _ status: Status, _ detail: String, fix: String = "") {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}

public enum Preflight {
    /// Checks a server. A connection failure is one fail item (nothing else can be checked).
    public static func run(
        url: SourceURL, options: ConnectionOptions, serverID: UInt32?, tables: TableFilter = TableFilter()
    ) -> [PreflightItem] {
        let connection: MySQLConnection
        do {
            connection = try MySQLConnection(url: url, options: options)
        } catch {
            return [PreflightItem("server reachable", .fail, error.description, fix: error.hint)]
        }
        var items = [PreflightItem("server reachable", .ok, "connected to \(url.endpoint)")]
        items.append(TLSRefusal.preflightItem(connection, options))
        items.append(PreflightItem("version", .ok, connection.serverVersion))
        let mariaDB = connection.isMariaDB
        let variables = globalVariables(connection)
        func variable(_ name: String) -> String? { variables[name] }

        let logBin = (variable("log_bin") ?? "").uppercased()
        items.append(
            logBin == "ON" || logBin == "1"
                ? PreflightItem("log_bin", .ok, "ON")
                : PreflightItem(
                    "log_bin", .fail, "binary logging is \(logBin.isEmpty ? "unknown" : logBin)",
                    fix: "start the server with --log-bin=mysql-bin (log_bin cannot be changed at runtime)"))

        let format = (variable("binlog_format") ?? "").uppercased()
        items.append(
            format == "ROW"
                ? PreflightItem("binlog_format", .ok, "ROW")
                : PreflightItem(
                    "binlog_format", .fail, "\(format.isEmpty ? "unknown" : format), binlog-sink needs ROW",
                    fix: "SET GLOBAL binlog_format=ROW; (and binlog_format=ROW in the server's configuration)"))

        let image = (variable("binlog_row_image") ?? "").uppercased()
        items.append(
            image == "FULL"
                ? PreflightItem("binlog_row_image", .ok, "FULL")
                : PreflightItem(
                    "binlog_row_image", .fail, "\(image.isEmpty ? "unknown" : image), binlog-sink needs FULL",
                    fix: "SET GLOBAL binlog_row_image=FULL; (and in the server's configuration)"))

        if let metadata = variable("binlog_row_metadata")?.uppercased() {
            items.append(
                metadata == "FULL"
                    ? PreflightItem("binlog_row_metadata", .ok, "FULL")
                    : PreflightItem(
                        "binlog_row_metadata", .warn,
                        "\(metadata): column names and ENUM/SET labels come from information_schema, not the binlog",
                        fix: "SET GLOBAL binlog_row_metadata=FULL;"))
        } else {
            items.append(
                PreflightItem(
                    "binlog_row_metadata", .warn,
                    "not supported by this server: column names come from information_schema"))
        }

        let checksum = (variable("binlog_checksum") ?? "").uppercased()
        items.append(
            checksum == "CRC32" || checksum == "NONE"
                ? PreflightItem("binlog_checksum", .ok, checksum)
                : PreflightItem(
                    "binlog_checksum", .warn, "\(checksum.isEmpty ? "unknown" : checksum)",
                    fix: "SET GLOBAL binlog_checksum=CRC32;"))

        if mariaDB {
            let position = (try? connection.scalar("SELECT @@global.gtid_current_pos")) ?? nil
            items.append(
                PreflightItem(
                    "GTID mode", .ok,
                    "MariaDB GTIDs (gtid_current_pos \(position.map { $0.isEmpty ? "empty" : $0 } ?? "unknown"))"))
        } else {
            let mode = (variable("gtid_mode") ?? "OFF").uppercased()
            items.append(
                mode == "ON"
                    ? PreflightItem("GTID mode", .ok, "gtid_mode=ON")
                    : PreflightItem(
                        "GTID mode", .warn, "gtid_mode=\(mode): resume by FILE:POS only (GTID sets need gtid_mode=ON)",
                        fix: "SET GLOBAL gtid_mode=ON (in steps: OFF_PERMISSIVE, ON_PERMISSIVE, ON)"))
        }

        items += privileges(connection, url: url, mariaDB: mariaDB, tables: tables)
        items.append(serverIDItem(connection, serverID: serverID, mariaDB: mariaDB, variables: variables))
        items += retention(connection, mariaDB: mariaDB, variables: variables)
        return items
    }

    static func globalVariables(_ connection: MySQLConnection) -> [String: String] {
        let names = [
            "log_bin", "binlog_format", "binlog_row_image", "binlog_row_metadata", "binlog_checksum", "gtid_mode",
            "server_id", "expire_logs_days", "binlog_expire_logs_seconds",
        ]
        let list = names.map { "'\($0)'" }.joined(separator: ",")
        var result: [String: String] = [:]
        let rows =
            (try? connection.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN (\(list))")) ?? []
        for row in rows where row.count >= 2 {
            if let name = row[0] { result[name.lowercased()] = row[1] ?? "" }
        }
        return result
    }

    /// `'user'@'host'` as the server knows the connected account (CURRENT_USER(): the host part of the matching
    /// account, e.g. `%`), for the GRANT statements `check` prints; `'USER'@'%'` when it cannot be read.
    static func account(_ connection: MySQLConnection, url: SourceURL) -> String {
        let quoted = { (text: Substring) in "'" + text.replacingAll("'", with: "''") + "'" }
        if let current = (try? connection.scalar("SELECT CURRENT_USER()")) ?? nil, let at = current.lastIndex(of: "@") {
            return quoted(current[..<at]) + "@" + quoted(current[current.index(after: at)...])
        }
        return quoted(Substring(url.user)) + "@'%'"
    }

    /// Reads SHOW GRANTS for the connected user and checks the privileges the stream and the snapshot need:
    /// REPLICATION SLAVE (the binlog stream), BINLOG MONITOR / REPLICATION CLIENT (SHOW BINARY LOGS, SHOW MASTER
    /// STATUS), SELECT on the captured tables (information_schema shows only tables the user can read; the
    /// snapshot reads them), and on MySQL RELOAD (the snapshot's FLUSH TABLES WITH READ LOCK). Each missing one is a
    /// fail (a warn for RELOAD, needed by snapshots only) with the GRANT that fixes it.
    static func privileges(
        _ connection: MySQLConnection, url: SourceURL, mariaDB: Bool, tables: TableFilter
    ) -> [PreflightItem] {
        let lines: [String]
        do {
            lines = try connection.query("SHOW GRANTS").compactMap { $0.first ?? nil }
        } catch {
            return [PreflightItem("privileges", .warn, "cannot read SHOW GRANTS: \(error.description)")]
        }
        let grants = GrantSet(showGrants: lines)
        let user = account(connection, url: url)
        let roleNote =
            grants.roles.isEmpty
            ? "" : " (privileges of granted roles are not looked at: \(grants.roles.joined(separator: ", ")))"
        var items: [PreflightItem] = []
        items.append(
            grants.hasGlobal("REPLICATION SLAVE") || grants.hasGlobal("REPLICATION REPLICA")
                ? PreflightItem("privilege REPLICATION SLAVE", .ok, "granted on *.*")
                : PreflightItem(
                    "privilege REPLICATION SLAVE", .fail, "\(user) cannot read the binlog stream\(roleNote)",
                    fix: "GRANT REPLICATION SLAVE ON *.* TO \(user);"))
        let monitorName = mariaDB ? "BINLOG MONITOR" : "REPLICATION CLIENT"
        let monitor =
            grants.hasGlobal("REPLICATION CLIENT") || grants.hasGlobal("BINLOG MONITOR") || grants.hasGlobal("SUPER")
        items.append(
            monitor
                ? PreflightItem("privilege \(monitorName)", .ok, "granted on *.*")
                : PreflightItem(
                    "privilege \(monitorName)", .fail,
                    "\(user) cannot run SHOW BINARY LOGS / SHOW MASTER STATUS\(roleNote)",
                    fix: "GRANT \(monitorName) ON *.* TO \(user);"))
        items.append(selectItem(grants, user: user, tables: tables, roleNote: roleNote))
        if !mariaDB {
            items.append(
                grants.hasGlobal("RELOAD")
                    ? PreflightItem(
                        "privilege RELOAD", .ok, "granted on *.* (the snapshot's FLUSH TABLES WITH READ LOCK)")
                    : PreflightItem(
                        "privilege RELOAD", .warn,
                        "\(user) cannot take FLUSH TABLES WITH READ LOCK: snapshots (run --snapshot, snapshot) fail; "
                            + "streaming does not need it",
                        fix: "GRANT RELOAD ON *.* TO \(user);"))
        }
        return items
    }

    /// SELECT on what is captured: every table (no --include), or the databases and tables the --include patterns
    /// name. A pattern with a wildcard in its database part cannot be checked by name: SELECT somewhere is a warn.
    static func selectItem(_ grants: GrantSet, user: String, tables: TableFilter, roleNote: String) -> PreflightItem {
        let name = "privilege SELECT"
        if grants.hasGlobal("SELECT") { return PreflightItem(name, .ok, "granted on *.*") }
        guard !tables.includes.isEmpty else {
            guard grants.hasAnywhere("SELECT") else {
                return PreflightItem(
                    name, .fail, "\(user) cannot read any table or its schema (information_schema)\(roleNote)",
                    fix:
                        "GRANT SELECT ON *.* TO \(user); (or on each captured database: GRANT SELECT ON `db`.* TO \(user);)"
                )
            }
            return PreflightItem(
                name, .warn,
                "SELECT only on some databases or tables: others cannot be captured (give check the run's --include "
                    + "to check exactly those)",
                fix: "GRANT SELECT ON `db`.* TO \(user); for each captured database")
        }
        var missing: [String] = []
        var partial: [String] = []
        var unchecked: [String] = []
        for pattern in tables.includes {
            guard let dot = pattern.firstIndex(of: ".") else {
                unchecked.append(pattern)
                continue
            }
            let database = String(pattern[..<dot])
            let table = String(pattern[pattern.index(after: dot)...])
            let wildcard: (String) -> Bool = { $0.contains("*") || $0.contains("?") }
            if wildcard(database) {
                unchecked.append(pattern)
                continue
            }
            if grants.covers("SELECT", database: database) { continue }
            if !wildcard(table) {
                if grants.covers("SELECT", database: database, table: table) { continue }
                missing.append("GRANT SELECT ON \(quote(database)).\(quote(table)) TO \(user);")
                continue
            }
            let some = grants.tables(with: "SELECT", in: database)
            if some.isEmpty {
                missing.append("GRANT SELECT ON \(quote(database)).* TO \(user);")
            } else {
                partial.append(
                    "\(pattern) (SELECT only on \(some.map { "\(database).\($0.table)" }.joined(separator: ", ")))")
            }
        }
        if !missing.isEmpty {
            return PreflightItem(
                name, .fail,
                "\(user) cannot read \(missing.count == 1 ? "a captured table" : "captured tables") or \(missing.count == 1 ? "its" : "their") "
                    + "schema\(roleNote)",
                fix: missing.joined(separator: " "))
        }
        if !partial.isEmpty {
            return PreflightItem(
                name, .warn,
                "tables of \(partial.joined(separator: "; ")) without SELECT cannot be captured",
                fix: "GRANT SELECT ON `db`.`table` TO \(user); for each of them")
        }
        if !unchecked.isEmpty, !grants.hasAnywhere("SELECT") {
            return PreflightItem(
                name, .fail, "\(user) cannot read any table or its schema\(roleNote)",
                fix: "GRANT SELECT ON `db`.* TO \(user); for each database \(unchecked.joined(separator: ", ")) matches"
            )
        }
        if !unchecked.isEmpty {
            return PreflightItem(
                name, .warn,
                "cannot tell by name which databases \(unchecked.joined(separator: ", ")) matches: make sure SELECT "
                    + "covers each", fix: "GRANT SELECT ON `db`.* TO \(user); for each of them")
        }
        return PreflightItem(name, .ok, "granted on the captured databases and tables")
    }

    /// A back-quoted identifier.
    static func quote(_ name: String) -> String { "`" + name.replacingAll("`", with: "``") + "`" }

    static func serverIDItem(
        _ connection: MySQLConnection, serverID: UInt32?, mariaDB: Bool, variables: [String: String]
    ) -> PreflightItem {
        let name = "server id free"
        guard let serverID else {
            return PreflightItem(
                name, .ok, "no --server-id given: run uses 1000000000 + its process id")
        }
        if variables["server_id"] == String(serverID) {
            return PreflightItem(
                name, .fail, "\(serverID) is the server's own server_id", fix: "give another --server-id")
        }
        let statements = mariaDB ? ["SHOW SLAVE HOSTS"] : ["SHOW REPLICAS", "SHOW SLAVE HOSTS"]
        for statement in statements {
            guard let rows = try? connection.query(statement) else { continue }
            if rows.contains(where: { $0.first.flatMap { $0 } == String(serverID) }) {
                return PreflightItem(
                    name, .fail, "a replica with server id \(serverID) is connected (\(statement))",
                    fix: "give another --server-id")
            }
            return PreflightItem(name, .ok, "\(serverID) is not used by a connected replica")
        }
        return PreflightItem(
            name, .warn, "cannot list the server's replicas (needs REPLICATION MASTER ADMIN / REPLICATION SLAVE)")
    }

    static func retention(
        _ connection: MySQLConnection, mariaDB: Bool, variables: [String: String]
    ) -> [PreflightItem] {
        var items: [PreflightItem] = []
        do {
            let logs = try connection.query("SHOW BINARY LOGS").compactMap { $0.first ?? nil }
            if let first = logs.first {
                items.append(PreflightItem("oldest binlog", .ok, "\(first) (\(logs.count) binlogs on the server)"))
            } else {
                items.append(
                    PreflightItem("oldest binlog", .fail, "the server has no binlogs", fix: "start it with --log-bin"))
            }
        } catch {
            items.append(
                PreflightItem(
                    "oldest binlog", .fail, "SHOW BINARY LOGS failed: \(error.description)",
                    fix:
                        "GRANT \(mariaDB ? "BINLOG MONITOR" : "REPLICATION CLIENT") ON *.* TO \(account(connection, url: connection.url));"
                ))
        }
        let seconds = Double(variables["binlog_expire_logs_seconds"] ?? "") ?? 0
        let days = Double(variables["expire_logs_days"] ?? "") ?? 0
        let retention = seconds > 0 ? seconds : days * 86_400
        if retention == 0 {
            items.append(
                PreflightItem(
                    "binlog retention", .ok, "binlogs are never purged automatically (watch the disk)"))
        } else if retention < 86_400 {
            items.append(
                PreflightItem(
                    "binlog retention", .warn,
                    "binlogs are purged after \(Int(retention)) s: a stopped stream may lose its position",
                    fix: "SET GLOBAL binlog_expire_logs_seconds=604800;"))
        } else {
            items.append(PreflightItem("binlog retention", .ok, "binlogs kept \(Int(retention / 3600)) h"))
        }
        return items
    }
}

extension StringProtocol {
    /// The range of the first occurrence of `needle` (no Foundation).
    func range(_ needle: String) -> Range<Index>? {
        let target = Array(needle.utf8)
        guard !target.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].utf8.starts(with: target) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }

    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }

    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
