import Testing

@testable import MySQLSource

@Suite("SourceURL and source options")
struct SourceURLTests {
    @Test func parsesUserHostPort() throws {
        let url = try SourceURL(parsing: "mysql://repl@db.example.com:3307")
        #expect(url == SourceURL(flavor: .mysql, user: "repl", password: nil, host: "db.example.com", port: 3307))
        #expect(url.description == "mysql://repl@db.example.com:3307")
    }

    @Test func defaultPortMariaDBSchemeAndTrailingPath() throws {
        let url = try SourceURL(parsing: "mariadb://cdc@10.0.0.5/")
        #expect(url.flavor == .mariadb)
        #expect(url.port == 3306)
        #expect(url.host == "10.0.0.5")
    }

    @Test func ipv6Host() throws {
        let url = try SourceURL(parsing: "mysql://u@[::1]:3310")
        #expect(url.host == "::1")
        #expect(url.port == 3310)
        #expect(url.description == "mysql://u@[::1]:3310")
    }

    @Test func passwordIsMaskedAndPercentDecoded() throws {
        let url = try SourceURL(parsing: "mysql://repl:s%40cr%3Aet@host:3306")
        #expect(url.password == "s@cr:et")
        #expect(url.user == "repl")
        #expect(url.description == "mysql://repl:***@host:3306")
        #expect(!"\(url)".contains("s@cr"))
        #expect(url.endpoint == "repl@host:3306")
    }

    @Test(arguments: [
        "db.example.com:3306", "postgres://u@h", "mysql://h:3306", "mysql://u@", "mysql://u@h:0",
        "mysql://u@h:99999", "mysql://u@h:port", "mysql://:pw@h", "mysql://u@h?ssl=1", "mysql://u:%zz@h",
    ])
    func rejects(_ text: String) {
        #expect(throws: MySQLSourceError.self) { try SourceURL(parsing: text) }
    }

    @Test func errorsNeverRepeatThePassword() {
        for text in ["mysql://u:topsecret@h:port", "mysql://u:topsecret@", "mysql://u:topsecret@h?x"] {
            do {
                _ = try SourceURL(parsing: text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(!error.description.contains("topsecret"), "\(error)")
            }
        }
    }

    @Test func passwordSources() throws {
        let url = try SourceURL(parsing: "mysql://u@h")
        #expect(try ConnectionOptions.resolvePassword(url: url, passwordFile: nil, environment: [:]) == nil)
        #expect(
            try ConnectionOptions.resolvePassword(url: url, passwordFile: nil, environment: ["MYSQL_PWD": "env"])
                == "env")
        let inURL = try SourceURL(parsing: "mysql://u:url@h")
        #expect(
            try ConnectionOptions.resolvePassword(url: inURL, passwordFile: nil, environment: ["MYSQL_PWD": "env"])
                == "url")
        #expect(throws: MySQLSourceError.self) {
            try ConnectionOptions.resolvePassword(url: url, passwordFile: "/nonexistent/pw", environment: [:])
        }
    }

    @Test func startAndUntilPositions() throws {
        #expect(try StartPosition(parsing: "earliest") == .earliest)
        #expect(try StartPosition(parsing: "latest") == .latest)
        #expect(
            try StartPosition(parsing: "mysql-bin.000042:1234") == .position(file: "mysql-bin.000042", offset: 1234))
        #expect(try StartPosition(parsing: "gtid:0-1-100,1-2-5") == .gtid("0-1-100,1-2-5"))
        #expect(try UntilPosition(parsing: "now") == .now)
        #expect(try UntilPosition(parsing: "never") == .never)
        #expect(try UntilPosition(parsing: "f.000001:400") == .position(file: "f.000001", offset: 400))
        for bad in ["mysql-bin.000001", "mysql-bin.000001:2", ":4", "gtid:", "gtid:0-1-1';DROP"] {
            #expect(throws: MySQLSourceError.self, "\(bad)") { try StartPosition(parsing: bad) }
        }
    }

    @Test func binlogFileOrder() {
        #expect(ReplicationStream.fileOrder("mysql-bin.000009", "mysql-bin.000010") < 0)
        #expect(ReplicationStream.fileOrder("mysql-bin.999999", "mysql-bin.1000000") < 0)
        #expect(ReplicationStream.fileOrder("mysql-bin.000010", "mysql-bin.000010") == 0)
    }

    @Test func defaultServerIDIsNonZero() {
        #expect(ReplicationOptions.defaultServerID >= 1_000_000_000)
    }
}

@Suite("Error texts")
struct MySQLSourceErrorTests {
    let url = SourceURL(flavor: .mysql, user: "cdc", password: "pw", host: "db", port: 3306)

    @Test func accessDenied() {
        let error = MySQLConnection.describe(
            errno: 1045, sqlState: "28000", serverMessage: "Access denied for user 'cdc'@'x' (using password: YES)",
            what: "cannot connect", url: url)
        #expect(error.description.hasPrefix("access denied for cdc@db"))
        #expect(error.description.contains("check MYSQL_PWD / --password-file"))
        #expect(!error.description.contains("pw "))
    }

    @Test func missingPrivilegeNamesTheGrant() {
        let error = MySQLConnection.describe(
            errno: 1227, sqlState: "42000", serverMessage: "Access denied; you need the REPLICATION SLAVE privilege",
            what: "cannot start the binlog stream", url: url)
        #expect(error.description.contains("binlog-sink check --source … --include … prints the GRANT for 'cdc'"))
        #expect(error.description.contains("you need the REPLICATION SLAVE privilege"), "the server's message is kept")
    }

    @Test func connectionLossIsRetryable() {
        #expect(MySQLSourceError("x", errno: 2013).isConnectionLoss)
        #expect(MySQLSourceError("x", errno: 1927).isConnectionLoss)
        #expect(!MySQLSourceError("x", errno: 1236).isConnectionLoss)
        #expect(!MySQLSourceError("x", errno: 1045).isConnectionLoss)
    }
}
