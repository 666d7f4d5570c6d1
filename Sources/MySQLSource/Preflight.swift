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
    public static func run(url: SourceURL, options: ConnectionOptions, serverID: UInt32?) -> [PreflightItem] {
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

        items += privileges(connection, url: url, mariaDB: mariaDB)
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

    /// Reads SHOW GRANTS for the connected user and checks the global privileges the stream needs.
    static func privileges(_ connection: MySQLConnection, url: SourceURL, mariaDB: Bool) -> [PreflightItem] {
        let grants: [String]
        do {
            grants = try connection.query("SHOW GRANTS").compactMap { $0.first ?? nil }
        } catch {
            return [PreflightItem("privileges", .warn, "cannot read SHOW GRANTS: \(error.description)")]
        }
        let user = "'\(url.user)'@'%'"
        var global = Set<String>()
        var all = false
        var selectSomewhere = false
        for grant in grants {
            let upper = grant.uppercased()
            guard upper.hasPrefix("GRANT "), let on = upper.range(" ON ") else { continue }
            let privileges = upper[upper.index(upper.startIndex, offsetBy: 6)..<on.lowerBound]
            let target = upper[on.upperBound...]
            let list = privileges.split(separator: ",").map { $0.trimmingSpaces() }
            if target.hasPrefix("*.*") {
                for privilege in list { global.insert(privilege) }
                if list.contains("ALL PRIVILEGES") || list.contains("ALL") { all = true }
            } else if list.contains("SELECT") || list.contains("ALL PRIVILEGES") {
                selectSomewhere = true
            }
        }
        func has(_ privilege: String) -> Bool { all || global.contains(privilege) }
        var items: [PreflightItem] = []
        items.append(
            has("REPLICATION SLAVE") || has("REPLICATION REPLICA")
                ? PreflightItem("privilege REPLICATION SLAVE", .ok, "granted on *.*")
                : PreflightItem(
                    "privilege REPLICATION SLAVE", .fail, "\(url.user) cannot read the binlog stream",
                    fix: "GRANT REPLICATION SLAVE ON *.* TO \(user);"))
        let monitorName = mariaDB ? "BINLOG MONITOR" : "REPLICATION CLIENT"
        let monitor = has("REPLICATION CLIENT") || has("BINLOG MONITOR") || has("SUPER")
        items.append(
            monitor
                ? PreflightItem("privilege \(monitorName)", .ok, "granted on *.*")
                : PreflightItem(
                    "privilege \(monitorName)", .fail,
                    "\(url.user) cannot run SHOW BINARY LOGS / SHOW MASTER STATUS",
                    fix: "GRANT \(monitorName) ON *.* TO \(user);"))
        if has("SELECT") {
            items.append(PreflightItem("privilege SELECT", .ok, "granted on *.*"))
        } else if selectSomewhere {
            items.append(
                PreflightItem(
                    "privilege SELECT", .warn, "SELECT only on some databases: schemas of other tables cannot be read",
                    fix: "GRANT SELECT ON *.* TO \(user);"))
        } else {
            items.append(
                PreflightItem(
                    "privilege SELECT", .fail, "\(url.user) cannot read table schemas (information_schema)",
                    fix: "GRANT SELECT ON *.* TO \(user);"))
        }
        return items
    }

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
                        "GRANT \(mariaDB ? "BINLOG MONITOR" : "REPLICATION CLIENT") ON *.* TO '\(connection.url.user)'@'%';"
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

    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
