import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// The Redis sink over TLS with an ACL user (docs/redis-sink.md#tls): `binlog-sink run --sink rediss://…` into a
// redis-server of the test's own that speaks only TLS (`--port 0 --tls-port`, port
// $BINLOG_SINK_TEST_REDIS_TLS_PORT, else $BINLOG_SINK_TEST_REDIS_PORT + 30) with a CA and certificates the test makes
// with `openssl` (RedisTLSCertificates), and an ACL user `cdc` limited to the test's keys. What the sink wrote is
// read back through the server's unix socket with the tests' own RESP client and compared with SELECT, as in
// LiveRedisTests (whose helpers these tests reuse).
//
// - stream and hash mode deliver LiveWorkload over TLS, authenticated as the ACL user: the streams are the offline
//   parse's records and replay to SELECT; the hashes are the tables' SELECT and the position the last commit.
// - refused: a CA that did not sign the server's certificate, the system's CAs, a host name the certificate does not
//   hold (127.0.0.1 for a `localhost` certificate), a plain port: a clear error and a non-zero exit, at once.
// - AUTH: a wrong password for the ACL user is refused (the password in no output); keys outside the user's pattern
//   are refused with NOPERM (so the sink really is that user).
// - client certificates (`--tls-auth-clients yes`): none, or one of an unknown CA, is refused clearly; the CA's works.
// - outage: the TLS server stopped for a few seconds mid-run: the run reconnects over TLS and every change arrives.

extension LiveServer {
    @Suite(
        "Live Redis sink over TLS with an ACL user: rediss:// delivers and refuses what it must",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil && LiveRedisClient.environmentPort != nil
                && LiveRedisServer.executable != nil && RedisTLSCertificates.openssl != nil,
            "needs BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT, BINLOG_SINK_TEST_REDIS_PORT (scripts/test) and openssl")
    )
    struct LiveRedisTLSTests {
        static let user = "cdc"
        static let password = "tls-acl-secret-7f3a"

        let base: LiveRedisTests
        let certificates: RedisTLSCertificates
        let tlsPort: Int

        init() throws {
            base = try LiveRedisTests()
            certificates = try RedisTLSCertificates()
            tlsPort =
                ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_REDIS_TLS_PORT"].flatMap { Int($0) }
                ?? base.redisPort + 30
        }

        var client: MariaDBClient { base.client }
        var scratch: URL { base.scratch }

        /// A TLS server whose ACL user `cdc` (password `password`) may touch the keys `blst*`.
        func server(authClients: String = "optional") throws -> LiveRedisTLSServer {
            try LiveRedisTLSServer(
                port: tlsPort, certificates: certificates, authClients: authClients,
                user: .init(name: Self.user, password: Self.password, keyPattern: "blst*"))
        }

        static func sink(host: String = "localhost", port: Int, database: Int, mode: String, prefix: String) -> String {
            "rediss://\(user)@\(host):\(port)/\(database)?mode=\(mode)&prefix=\(prefix)"
        }

        func run(_ arguments: [String], password: String = Self.password, timeout: TimeInterval = 120) throws
            -> ParseRun
        {
            ParseRun(
                arguments: arguments,
                result: try BinlogSinkCLI.run(arguments, timeout: timeout, environment: ["REDISCLI_AUTH": password]))
        }

        /// The records of `smallWorkload`: 4 inserts, 2 updates and a delete in a transaction, an insert, an update.
        static let smallWorkloadRecords = 9

        /// A database with one small table, and LiveRestartTests' batch 1 in the binlog after the returned point.
        func smallWorkload(_ name: String) throws -> (database: String, start: LiveBinlogPoint) {
            let database = LiveMariaDBTests.uniqueDatabase(name)
            try client.run(
                "CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n"
                    + LiveRestartTests.table.create(in: database))
            let start = try LiveBinlogPoint.current(client)
            try client.run(LiveRestartTests.batchSQL(database: database, batch: 1))
            return (database, start)
        }

        // MARK: delivery

        @Test(
            "stream and hash mode over TLS as the ACL user: the streams and hashes equal SELECT",
            arguments: [
                "stream", "hash",
            ])
        func deliversOverTLS(mode: String) throws {
            let server = try server()
            defer { certificates.remove() }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let database = LiveMariaDBTests.uniqueDatabase("bls_rtls")
            let prefix = LiveRedisTests.uniquePrefix("blst")
            let redisDatabase = mode == "stream" ? 3 : 4
            let redis = try server.client(database: redisDatabase)
            let state = scratch.appendingPathComponent("state").path

            let start = try LiveBinlogPoint.current(client)
            try client.run(LiveWorkload.sql(database: database))
            let end = try LiveBinlogPoint.current(client)
            let result = try run([
                "run", "--source", base.source, "--start", start.description, "--until", "now", "--state", state,
                "--sink", Self.sink(port: tlsPort, database: redisDatabase, mode: mode, prefix: prefix),
                "--redis-tls-ca", certificates.ca.certificate, "--include", "\(database).*",
            ])
            #expect(result.status == 0, "\(result.summary)")
            #expect(!result.stderr.contains(Self.password), "the password shows on stderr")

            if mode == "stream" {
                let (streams, problems) = try LiveRedisContent.streams(redis, prefix: prefix, database: database)
                expectNoProblems(problems, "stream entries")
                let expected = try base.reference(from: start, ["--include", "\(database).*", "--state", state])
                let (records, entryCount) = LiveRedisContent.uniqueRecords(streams)
                #expect(!expected.isEmpty)
                #expect(entryCount == records.count, "\(entryCount - records.count) duplicates in a clean run")
                #expect(
                    records.map(\.key).sorted() == expected.map(\.key).sorted(),
                    "\(records.count) records in the streams, \(expected.count) in the parse of the same range")
                var sameOrder: [String] = []
                for (name, entries) in streams {
                    let table = String(name.dropFirst("\(prefix):\(database):".count))
                    let wanted = expected.filter { $0.table == table }
                    if entries.map(\.record.raw) != wanted.map(\.raw) {
                        sameOrder.append("\(name): the entries are not the parse's records in order")
                    }
                }
                expectNoProblems(sameOrder, "streams vs parse")
                var replayer = LiveRedisTests.workloadReplayer()
                replayer.apply(records)
                expectNoProblems(replayer.anomalies.map(\.description), "replaying the streams")
                try base.compareWorkloadTables(database: database, "streams over TLS:") {
                    replayer.rows("\(database).\($0.name)")
                }
            } else {
                let (hashRows, problems) = try LiveRedisContent.hashes(redis, prefix: prefix, database: database)
                expectNoProblems(problems, "hashes")
                var byTable: [String: [JSONObject]] = [:]
                for hash in hashRows { byTable[hash.table, default: []].append(hash.row) }
                // t_nopk (no primary key, duplicate rows) can only be a subset: LiveRedisTests checks it.
                try base.compareWorkloadTables(database: database, "hashes over TLS:", skip: ["t_nopk"]) {
                    byTable[$0.name] ?? []
                }
                let position = try #require(try LiveRedisContent.position(redis, prefix: prefix))
                #expect(position.point == end, "\(prefix):position \(position.point), SHOW MASTER STATUS \(end)")
            }
            try? redis.deleteKeys(matching: "\(prefix):*")
            try server.stop()
        }

        // MARK: refusals

        @Test("an untrusted CA, the system's CAs, a wrong host name, a plain port: refused at once, non-zero exit")
        func refusesUntrustedServers() throws {
            let server = try server()
            defer { certificates.remove() }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let (database, start) = try smallWorkload("bls_rtlsno")
            let prefix = LiveRedisTests.uniquePrefix("blst")
            func attempt(_ sink: String, _ extra: [String]) throws -> ParseRun {
                try run(
                    [
                        "run", "--source", base.source, "--start", start.description, "--until", "now",
                        "--sink", sink, "--include", "\(database).*",
                    ] + extra, timeout: 60)
            }
            let good = Self.sink(port: tlsPort, database: 5, mode: "stream", prefix: prefix)

            let untrusted = try attempt(good, ["--redis-tls-ca", certificates.otherCA.certificate])
            #expect(untrusted.status != 0, "\(untrusted.summary)")
            #expect(untrusted.stderr.contains("not signed by a trusted CA"), "\(untrusted.summary)")
            #expect(untrusted.stderr.contains("--redis-tls-ca"), "\(untrusted.summary)")

            let systemCAs = try attempt(good, [])
            #expect(systemCAs.status != 0, "\(systemCAs.summary)")
            #expect(systemCAs.stderr.contains("not signed by a trusted CA"), "\(systemCAs.summary)")

            let byAddress = Self.sink(host: "127.0.0.1", port: tlsPort, database: 5, mode: "stream", prefix: prefix)
            let wrongName = try attempt(byAddress, ["--redis-tls-ca", certificates.ca.certificate])
            #expect(wrongName.status != 0, "\(wrongName.summary)")
            #expect(wrongName.stderr.contains("does not name 127.0.0.1"), "\(wrongName.summary)")

            // A plain port: the server answers the TLS hello with an error line (refused at once), or waits for a
            // line end that never comes (a handshake timeout, retried: the log says what to check).
            let plain = try LiveBackgroundRun([
                "run", "--source", base.source, "--start", start.description, "--until", "now",
                "--sink", Self.sink(port: base.redisPort, database: 5, mode: "stream", prefix: prefix),
                "--redis-tls-ca", certificates.ca.certificate, "--include", "\(database).*",
            ])
            let plainDeadline = Date().addingTimeInterval(30)
            while plain.process.isRunning && !plain.stderr.contains("tls-port") && Date() < plainDeadline {
                usleep(100_000)
            }
            #expect(
                plain.stderr.contains("does not answer in TLS") || plain.stderr.contains("tls-port?"),
                "\(plain.summary)")
            if !plain.process.isRunning { #expect(plain.process.terminationStatus != 0, "\(plain.summary)") }
            plain.stop()

            for refused in [untrusted, systemCAs, wrongName] {
                print(
                    "rediss refusal, exit \(refused.status): \(refused.stderrLines.first { $0.contains("error:") } ?? "")"
                )
            }
            print("rediss to a plain port: \(plain.stderr.split(separator: "\n").first ?? "")")
            // Nothing reached the server; then the same address with the certificate's name given works.
            let redis = try server.client(database: 5)
            #expect(try redis.keys(matching: "\(prefix):*").isEmpty, "a refused run wrote keys")
            let named = try attempt(
                byAddress, ["--redis-tls-ca", certificates.ca.certificate, "--redis-tls-server-name", "localhost"])
            #expect(named.status == 0, "\(named.summary)")
            #expect(
                try redis.command(["XLEN", "\(prefix):\(database):t"]).integer == Self.smallWorkloadRecords,
                "\(named.summary)")
            try? redis.deleteKeys(matching: "\(prefix):*")
            try server.stop()
        }

        @Test("AUTH as the ACL user: a wrong password is refused without showing it; keys outside its ACL: NOPERM")
        func aclUser() throws {
            let server = try server()
            defer { certificates.remove() }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let (database, start) = try smallWorkload("bls_rtlsacl")
            let prefix = LiveRedisTests.uniquePrefix("blst")
            let arguments = [
                "run", "--source", base.source, "--start", start.description, "--until", "now",
                "--redis-tls-ca", certificates.ca.certificate, "--include", "\(database).*",
            ]
            let sink = Self.sink(port: tlsPort, database: 6, mode: "stream", prefix: prefix)
            let wrongPassword = "not-the-acl-pw-91c2"
            let wrong = try run(arguments + ["--sink", sink], password: wrongPassword, timeout: 60)
            #expect(wrong.status != 0, "\(wrong.summary)")
            #expect(wrong.stderr.contains("AUTH failed"), "\(wrong.summary)")
            #expect(wrong.stderr.contains("WRONGPASS"), "\(wrong.summary)")
            #expect(!wrong.stderr.contains(wrongPassword), "the password shows on stderr")

            // The user from --redis-user (no user in the URL); a prefix the ACL does not allow.
            let outside = try run(
                arguments + [
                    "--sink", "rediss://localhost:\(tlsPort)/6?prefix=other\(prefix)", "--redis-user", Self.user,
                ], timeout: 60)
            #expect(outside.status != 0, "\(outside.summary)")
            #expect(outside.stderr.contains("NOPERM"), "\(outside.summary)")

            print(
                "rediss wrong ACL password, exit \(wrong.status): \(wrong.stderrLines.first { $0.contains("error:") } ?? "")"
            )
            print(
                "rediss outside the ACL, exit \(outside.status): \(outside.stderrLines.first { $0.contains("error:") } ?? "")"
            )
            let right = try run(arguments + ["--sink", sink], timeout: 60)
            #expect(right.status == 0, "\(right.summary)")
            let redis = try server.client(database: 6)
            #expect(
                try redis.command(["XLEN", "\(prefix):\(database):t"]).integer == Self.smallWorkloadRecords,
                "\(right.summary)")
            #expect(try redis.keys(matching: "other\(prefix):*").isEmpty)
            try? redis.deleteKeys(matching: "\(prefix):*")
            try server.stop()
        }

        @Test("tls-auth-clients yes: no client certificate or one of an unknown CA is refused; the CA's works")
        func clientCertificates() throws {
            let server = try server(authClients: "yes")
            defer { certificates.remove() }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let (database, start) = try smallWorkload("bls_rtlscert")
            let prefix = LiveRedisTests.uniquePrefix("blst")
            let arguments = [
                "run", "--source", base.source, "--start", start.description, "--until", "now",
                "--sink", Self.sink(port: tlsPort, database: 7, mode: "stream", prefix: prefix),
                "--redis-tls-ca", certificates.ca.certificate, "--include", "\(database).*",
            ]
            let none = try run(arguments, timeout: 60)
            #expect(none.status != 0, "\(none.summary)")
            #expect(none.stderr.contains("refused the client"), "\(none.summary)")
            #expect(none.stderr.contains("--redis-tls-cert"), "\(none.summary)")

            print(
                "rediss without a client certificate, exit \(none.status): \(none.stderrLines.first { $0.contains("error:") } ?? "")"
            )
            let stranger = try run(
                arguments + [
                    "--redis-tls-cert", certificates.strangerClient.certificate, "--redis-tls-key",
                    certificates.strangerClient.key,
                ], timeout: 60)
            #expect(stranger.status != 0, "\(stranger.summary)")
            #expect(stranger.stderr.contains("refused the client"), "\(stranger.summary)")

            let mismatched = try run(
                arguments + [
                    "--redis-tls-cert", certificates.client.certificate, "--redis-tls-key", certificates.server.key,
                ], timeout: 60)
            #expect(mismatched.status != 0, "\(mismatched.summary)")
            #expect(mismatched.stderr.contains("--redis-tls-key \(certificates.server.key)"), "\(mismatched.summary)")
            #expect(mismatched.stderr.contains("mismatch"), "\(mismatched.summary)")

            // The CA's client certificate, from a connector file (sink.redis.user, tls_ca, tls_cert, tls_key).
            let config = scratch.appendingPathComponent("redis-tls.yaml")
            try """
            source:
              url: \(base.source)
              start: \(start.description)
              until: now
            tables:
              include: [\(database).*]
            sink:
              url: rediss://localhost:\(tlsPort)/7
              redis:
                prefix: \(prefix)
                user: \(Self.user)
                tls_ca: \(certificates.ca.certificate)
                tls_cert: \(certificates.client.certificate)
                tls_key: \(certificates.client.key)
            """.write(to: config, atomically: true, encoding: .utf8)
            let trusted = try run(["run", "--config", config.path], timeout: 60)
            #expect(trusted.status == 0, "\(trusted.summary)")
            let redis = try server.client(database: 7)
            #expect(
                try redis.command(["XLEN", "\(prefix):\(database):t"]).integer == Self.smallWorkloadRecords,
                "\(trusted.summary)")
            try? redis.deleteKeys(matching: "\(prefix):*")
            try server.stop()
        }

        // MARK: outage

        @Test("the TLS server stopped mid-run: the run reconnects over TLS, every change arrives")
        func outageOverTLS() throws {
            let server = try server()
            defer { certificates.remove() }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let database = LiveMariaDBTests.uniqueDatabase("bls_rtlsout")
            let prefix = LiveRedisTests.uniquePrefix("blst")
            let state = scratch.appendingPathComponent("state").path
            let passwordFile = scratch.appendingPathComponent("redis-password")
            try Self.password.write(to: passwordFile, atomically: true, encoding: .utf8)
            let table = LiveRestartTests.table
            let streamKey = "\(prefix):\(database):t"
            try client.run("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n" + table.create(in: database))
            let start = try LiveBinlogPoint.current(client)
            let run = try LiveBackgroundRun([
                "run", "--source", base.source, "--start", start.description, "--until", "never", "--state", state,
                "--sink", Self.sink(port: tlsPort, database: 8, mode: "stream", prefix: prefix),
                "--redis-tls-ca", certificates.ca.certificate, "--redis-password-file", passwordFile.path,
                "--include", "\(database).*", "--checkpoint-interval", "0.2",
            ])
            let workload = LiveLoopWorkload(client: client, pause: 100_000) {
                LiveRestartTests.batchSQL(database: database, batch: $0)
            }
            var workloadStopped = false
            defer { if !workloadStopped { workload.stop() } }
            func length() -> Int {
                guard let redis = try? server.client(database: 8) else { return 0 }
                return (try? redis.command(["XLEN", streamKey]))?.integer ?? 0
            }
            var deadline = Date().addingTimeInterval(30)
            while length() < 30 && Date() < deadline && run.process.isRunning { usleep(100_000) }
            try #require(length() >= 30, "nothing reached Redis before the outage: \(run.summary)")

            try server.stop()
            usleep(4_000_000)
            let committedDuringOutage = workload.committed
            try server.start()
            deadline = Date().addingTimeInterval(30)
            while workload.committed < committedDuringOutage + 10 && Date() < deadline { usleep(50_000) }
            workload.stop()
            workloadStopped = true
            let lastID = 1_000_000_000
            try client.run("INSERT INTO `\(database)`.t VALUES (\(lastID), -1, 'last', 0)")
            let redis = try server.client(database: 8)
            deadline = Date().addingTimeInterval(60)
            var reached = false
            while !reached && Date() < deadline && run.process.isRunning {
                let tail = try redis.streamEntries(streamKey, reverse: true, count: 5)
                reached = tail.contains { entry in
                    let record = entry.field("record").flatMap { try? BinlogRecord(JSONParser.parse(bytes: $0)) }
                    return record?.after?["id"]?.integerValue == Int128(lastID)
                }
                if !reached { usleep(200_000) }
            }
            #expect(reached, "the last row did not reach Redis after the restart: \(run.summary)")
            #expect(run.process.isRunning, "the run exited: \(run.summary)")
            run.stop()
            #expect(run.stderr.contains("connection lost") || run.stderr.contains("cannot connect"), "\(run.summary)")
            #expect(run.stderr.contains("connected again"), "no reconnect logged: \(run.summary)")
            #expect(!run.stderr.contains(Self.password), "the password shows on stderr")

            let expected = try base.reference(from: start, ["--include", "\(database).*"])
            let (streams, problems) = try LiveRedisContent.streams(redis, prefix: prefix, database: database)
            expectNoProblems(problems, "stream entries")
            let (records, _) = LiveRedisContent.uniqueRecords(streams)
            let missing = Set(expected.map(\.key)).subtracting(records.map(\.key))
            let unexpected = Set(records.map(\.key)).subtracting(expected.map(\.key))
            #expect(
                missing.isEmpty && unexpected.isEmpty,
                "\(missing.count) missing (e.g. \(missing.sorted().prefix(3))), \(unexpected.count) unexpected")
            let serverRows = try client.select(
                table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.t")
            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the streams")
            expectNoProblems(
                LiveComparison.compare(table, replayed: replayer.rows("\(database).t"), serverRows: serverRows),
                "after the outage over TLS: replay vs SELECT")
            try? redis.deleteKeys(matching: "\(prefix):*")
            try server.stop()
        }
    }
}
