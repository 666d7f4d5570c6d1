import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// TLS to the source: a MariaDB of the test's own on 127.0.0.1:$BINLOG_SINK_TEST_MYSQL_PORT2 started with
// --ssl-ca/--ssl-cert/--ssl-key from certificates the test makes (scripts/lib/certs.sh). Users created with
// REQUIRE SSL / REQUIRE X509 prove that every connection of `run` (the replication stream included), `snapshot` and
// `check` is encrypted: the server refuses them otherwise. The server's certificate is swapped (FLUSH SSL) for one
// naming another host and one from an untrusted CA, which `--tls verify-identity` must refuse with an error that
// names the host, the mode and the fix. `--tls required` must refuse the suite's shared server, which has no TLS.

extension LiveServer {
    @Suite(
        "Live source TLS: verify-identity, refusals, client certificates",
        .serialized,
        .enabled(
            if: LiveThrowawayServer.port != nil && liveRunPort != nil && LiveThrowawayServer.clientExecutable != nil,
            "needs BINLOG_SINK_TEST_MYSQL_PORT, …_PORT2 and the mariadb client (scripts/test provides them)")
    )
    struct LiveSourceTLSTests {
        static let database = "bls_tls"
        /// A password no output of binlog-sink may contain.
        static let password = "tls-canary-9f3b27"

        /// A TLS server with a table, a REQUIRE SSL user (`tls_user`) and a REQUIRE X509 user (`x509_user`), the
        /// certificates, and a file holding the users' password.
        struct Setup {
            let server: LiveThrowawayServer
            let certificates: TestCertificates
            let passwordFile: String
            let port: String

            /// The certificate and key mariadbd serves (copies, swapped by `serve`).
            var liveCert: String { certificates.directory + "/live.pem" }
            var liveKey: String { certificates.directory + "/live.key" }

            func source(_ user: String) -> String { "mysql://\(user)@127.0.0.1:\(port)" }

            /// Serves `cert`/`key` from now on (copied over the files mariadbd was started with, then FLUSH SSL).
            func serve(cert: String, key: String) throws {
                for (from, to) in [(cert, liveCert), (key, liveKey)] {
                    try? FileManager.default.removeItem(atPath: to)
                    try FileManager.default.copyItem(atPath: from, toPath: to)
                }
                try server.client.run("FLUSH SSL")
            }

            func remove() {
                server.remove()
                try? FileManager.default.removeItem(atPath: certificates.directory)
            }
        }

        static func setUp() throws -> Setup {
            let port = try #require(LiveThrowawayServer.port)
            let certificates = try TestCertificates.makeTemporary()
            let directory = certificates.directory
            try FileManager.default.copyItem(atPath: certificates.serverCert, toPath: directory + "/live.pem")
            try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: directory + "/live.key")
            let server: LiveThrowawayServer
            do {
                server = try LiveThrowawayServer(
                    port: port,
                    arguments: [
                        "--ssl-ca=\(certificates.ca)", "--ssl-cert=\(directory)/live.pem",
                        "--ssl-key=\(directory)/live.key",
                    ])
            } catch {
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
            let passwordFile = directory + "/password"
            try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
            let grants = "REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR, SELECT ON *.*"
            try server.client.run(
                """
                CREATE DATABASE \(database) CHARACTER SET utf8mb4;
                CREATE TABLE \(database).t (id INT PRIMARY KEY, v VARCHAR(40));
                INSERT INTO \(database).t VALUES (1, 'one'), (2, 'two');
                CREATE USER tls_user@'%' IDENTIFIED BY '\(password)' REQUIRE SSL;
                GRANT \(grants) TO tls_user@'%';
                CREATE USER x509_user@'%' IDENTIFIED BY '\(password)' REQUIRE SUBJECT '/CN=binlog-sink-test-client';
                GRANT \(grants) TO x509_user@'%';
                UPDATE \(database).t SET v = 'uno' WHERE id = 1;
                DELETE FROM \(database).t WHERE id = 2;
                INSERT INTO \(database).t VALUES (3, 'three');
                """)
            return Setup(server: server, certificates: certificates, passwordFile: passwordFile, port: port)
        }

        /// The secret never shows in what binlog-sink prints.
        static func expectNoPassword(_ result: BinlogSinkCLI.Result, _ what: String) {
            #expect(!result.stderr.contains(password), "\(what): the password is in stderr")
            #expect(!result.stdoutText.contains(password), "\(what): the password is in stdout")
        }

        @Test("verify-identity: run (replication stream), snapshot and check over TLS as a REQUIRE SSL user")
        func verifyIdentity() throws {
            let setup = try Self.setUp()
            defer { setup.remove() }
            let tls = ["--tls", "verify-identity", "--tls-ca", setup.certificates.ca]
            let source = ["--source", setup.source("tls_user"), "--password-file", setup.passwordFile]

            // Without TLS the server refuses this user: the user really requires TLS.
            let plain = try BinlogSinkCLI.run(["check"] + source + ["--tls", "disabled"], timeout: 60)
            #expect(plain.status != 0, "a REQUIRE SSL user connected without TLS: \(plain.stdoutText)")
            #expect(plain.stdoutText.contains("access denied"), "\(plain.stdoutText)")

            let check = try BinlogSinkCLI.run(["check"] + source + tls, timeout: 60)
            #expect(check.status == 0, "check: \(check.stdoutText) \(check.stderr)")
            let tlsLine = check.stdoutText.split(separator: "\n").first { $0.contains("tls:") }.map(String.init) ?? ""
            #expect(tlsLine.hasPrefix("ok"), "check's tls line: \(check.stdoutText)")
            #expect(tlsLine.contains("verified for 127.0.0.1"), "check's tls line: \(tlsLine)")
            Self.expectNoPassword(check, "check")

            // The replication stream (COM_BINLOG_DUMP) runs on the same kind of connection: the REQUIRE SSL user
            // can only stream over TLS. Every change since the start of the binlogs arrives.
            let run = try BinlogSinkCLI.run(
                ["run"] + source + tls + [
                    "--start", "earliest", "--until", "now", "--include", "\(Self.database).*", "--server-id", "4201",
                ], timeout: 120)
            #expect(run.status == 0, "run: \(run.stderr)")
            let records = try BinlogRecord.parseAll(run.stdout)
            let ops = records.map { record in
                let id = (record.after ?? record.before)?["id"]?.integerValue.map { "\($0)" } ?? "?"
                return "\(record.op.rawValue):\(id)"
            }
            #expect(
                ops == ["insert:1", "insert:2", "update:1", "delete:2", "insert:3"], "run's records: \(ops)")
            Self.expectNoPassword(run, "run")

            // status compares the saved position with the server, over the same TLS settings.
            let state = setup.certificates.directory + "/state"
            let saved = try BinlogSinkCLI.run(
                ["run"] + source + tls + [
                    "--start", "earliest", "--until", "now", "--include", "\(Self.database).*", "--server-id", "4207",
                    "--state", state,
                ], timeout: 120)
            #expect(saved.status == 0, "run --state: \(saved.stderr)")
            let status = try BinlogSinkCLI.run(["status", "--state", state] + source + tls, timeout: 60)
            #expect(status.status == 0, "status: \(status.stdoutText) \(status.stderr)")
            #expect(status.stdoutText.contains("source:      tls_user@127.0.0.1:\(setup.port)"), "\(status.stdoutText)")
            let statusWrongCA = try BinlogSinkCLI.run(
                ["status", "--state", state] + source + [
                    "--tls", "verify-identity", "--tls-ca", setup.certificates.otherCA,
                ],
                timeout: 60)
            #expect(statusWrongCA.status != 0)
            #expect(statusWrongCA.stderr.contains("is not trusted"), "\(statusWrongCA.stderr)")

            // snapshot: the rows as the server has them.
            let snapshot = try BinlogSinkCLI.run(
                ["snapshot"] + source + tls + ["--include", "\(Self.database).*"], timeout: 120)
            #expect(snapshot.status == 0, "snapshot: \(snapshot.stderr)")
            let rows = try JSONParser.parseLines(snapshot.stdout).compactMap { $0["after"]?["v"]?.stringValue }
            let expected = try setup.server.client.lines("SELECT v FROM \(Self.database).t ORDER BY id").map {
                $0.first ?? ""
            }
            #expect(rows == expected, "snapshot rows \(rows), server \(expected)")
            Self.expectNoPassword(snapshot, "snapshot")

            // The server counts TLS connections: the ones above were all encrypted.
            let accepts = try setup.server.client.scalar(
                "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SSL_ACCEPTS'")
            #expect((Int(accepts) ?? 0) >= 3, "Ssl_accepts: \(accepts)")
        }

        @Test("verify-identity refuses a certificate for another host and one from an untrusted CA; run exits at once")
        func refusals() throws {
            let setup = try Self.setUp()
            defer { setup.remove() }
            let source = ["--source", setup.source("tls_user"), "--password-file", setup.passwordFile]
            let tls = ["--tls", "verify-identity", "--tls-ca", setup.certificates.ca]

            try setup.serve(cert: setup.certificates.wrongHostCert, key: setup.certificates.wrongHostKey)
            let wrongHost = try BinlogSinkCLI.run(["check"] + source + tls, timeout: 60)
            #expect(wrongHost.status != 0)
            #expect(
                wrongHost.stdoutText.contains(
                    "cannot connect to tls_user@127.0.0.1:\(setup.port) with --tls verify-identity: the server's certificate "
                        + "does not name the host 127.0.0.1"), "\(wrongHost.stdoutText)")
            #expect(wrongHost.stdoutText.contains("subjectAltName"), "\(wrongHost.stdoutText)")
            // run: refused at the start with the same message, no retry loop (bounded by the timeout below).
            let started = Date()
            let wrongHostRun = try BinlogSinkCLI.run(
                ["run"] + source + tls + ["--start", "earliest", "--until", "never", "--server-id", "4202"],
                timeout: 60)
            #expect(wrongHostRun.status != 0)
            #expect(Date().timeIntervalSince(started) < 30, "run took \(Date().timeIntervalSince(started)) s")
            #expect(wrongHostRun.stderr.contains("does not name the host 127.0.0.1"), "\(wrongHostRun.stderr)")
            let wrongHostSnapshot = try BinlogSinkCLI.run(
                ["snapshot"] + source + tls + ["--include", "\(Self.database).*"], timeout: 60)
            #expect(wrongHostSnapshot.status != 0)
            #expect(wrongHostSnapshot.stderr.contains("does not name the host"), "\(wrongHostSnapshot.stderr)")

            // verify-ca is no weaker here: Connector/C 3.3 checks the host name with the chain.
            let verifyCA = try BinlogSinkCLI.run(
                ["check"] + source + ["--tls", "verify-ca", "--tls-ca", setup.certificates.ca], timeout: 60)
            #expect(verifyCA.status != 0, "\(verifyCA.stdoutText)")

            try setup.serve(cert: setup.certificates.otherServerCert, key: setup.certificates.otherServerKey)
            let untrusted = try BinlogSinkCLI.run(["check"] + source + tls, timeout: 60)
            #expect(untrusted.status != 0)
            #expect(
                untrusted.stdoutText.contains(
                    "cannot connect to tls_user@127.0.0.1:\(setup.port) with --tls verify-identity: the server's certificate "
                        + "is not trusted"), "\(untrusted.stdoutText)")
            #expect(untrusted.stdoutText.contains("give --tls-ca the CA certificate"), "\(untrusted.stdoutText)")
            let untrustedRun = try BinlogSinkCLI.run(
                ["run"] + source + tls + ["--start", "earliest", "--until", "now", "--server-id", "4203"], timeout: 60)
            #expect(untrustedRun.status != 0)
            #expect(untrustedRun.stderr.contains("is not trusted"), "\(untrustedRun.stderr)")
            // required does not check the certificate: it connects (encrypted) to the same server.
            let required = try BinlogSinkCLI.run(["check"] + source + ["--tls", "required"], timeout: 60)
            #expect(required.status == 0, "\(required.stdoutText)")
            #expect(required.stdoutText.contains("NOT verified"), "\(required.stdoutText)")

            // A CA file that is not there is named, with its option.
            let missing = try BinlogSinkCLI.run(
                ["check"] + source + ["--tls", "verify-identity", "--tls-ca", "/nonexistent/ca.pem"], timeout: 60)
            #expect(missing.status != 0)
            #expect(
                missing.stdoutText.contains("--tls-ca /nonexistent/ca.pem: cannot read it"), "\(missing.stdoutText)")
            for result in [wrongHost, wrongHostRun, untrusted, untrustedRun, missing] {
                Self.expectNoPassword(result, "refusal")
            }
        }

        @Test("the server's certificate replaced under a running stream: the reconnect is refused, the run stops")
        func refusedOnReconnect() throws {
            let setup = try Self.setUp()
            defer { setup.remove() }
            let run = try LiveBackgroundRun(
                [
                    "run", "--source", setup.source("tls_user"), "--password-file", setup.passwordFile, "--tls",
                    "verify-identity", "--tls-ca", setup.certificates.ca, "--start", "earliest", "--until", "never",
                    "--include", "\(Self.database).*", "--server-id", "4208", "--heartbeat", "1",
                ])
            let streaming = try run.wait(timeout: 60) { $0.count >= 5 }
            try #require(streaming, "no records: \(run.summary)")
            // From now on the server presents a certificate for another host; the stream's connection is cut.
            try setup.serve(cert: setup.certificates.wrongHostCert, key: setup.certificates.wrongHostKey)
            let threads = try setup.server.client.lines(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'tls_user' AND COMMAND = 'Binlog Dump'")
            #expect(!threads.isEmpty, "no Binlog Dump thread of tls_user")
            for row in threads { if let id = row.first { _ = try? setup.server.client.run("KILL \(id)") } }
            let deadline = Date().addingTimeInterval(30)
            while run.process.isRunning && Date() < deadline { usleep(100_000) }
            #expect(!run.process.isRunning, "the run still retries 30 s after the refusal: \(run.stderr.suffix(1500))")
            let status = run.stop()
            #expect(status != 0, "\(run.summary)")
            #expect(run.stderr.contains("does not name the host 127.0.0.1"), "\(run.stderr.suffix(1500))")
            #expect(!run.stderr.contains(Self.password))
        }

        @Test("client certificate: a REQUIRE SUBJECT user connects with --tls-cert/--tls-key only")
        func clientCertificate() throws {
            let setup = try Self.setUp()
            defer { setup.remove() }
            let source = ["--source", setup.source("x509_user"), "--password-file", setup.passwordFile]
            let tls = ["--tls", "verify-identity", "--tls-ca", setup.certificates.ca]
            let without = try BinlogSinkCLI.run(["check"] + source + tls, timeout: 60)
            #expect(without.status != 0, "the X509 user connected without a client certificate")
            let client = ["--tls-cert", setup.certificates.clientCert, "--tls-key", setup.certificates.clientKey]
            let with = try BinlogSinkCLI.run(["check"] + source + tls + client, timeout: 60)
            #expect(with.status == 0, "\(with.stdoutText) \(with.stderr)")
            let run = try BinlogSinkCLI.run(
                ["run"] + source + tls + client + [
                    "--start", "earliest", "--until", "now", "--include", "\(Self.database).*", "--server-id", "4204",
                ], timeout: 120)
            #expect(run.status == 0, "run: \(run.stderr)")
            #expect(try BinlogRecord.parseAll(run.stdout).count == 5)
            // A key that does not belong to the certificate.
            let mismatched = try BinlogSinkCLI.run(
                ["check"] + source + tls + [
                    "--tls-cert", setup.certificates.clientCert, "--tls-key", setup.certificates.serverKey,
                ], timeout: 60)
            #expect(mismatched.status != 0)
            #expect(
                mismatched.stdoutText.contains("client certificate files are not usable"), "\(mismatched.stdoutText)")
        }

        @Test("connector file: source.tls, tls_ca, tls_cert, tls_key take effect")
        func connectorFile() throws {
            let setup = try Self.setUp()
            defer { setup.remove() }
            let file = setup.certificates.directory + "/connector.yaml"
            func write(_ tlsLines: String) throws {
                let yaml = """
                    source:
                      url: mysql://x509_user@127.0.0.1:${TEST_PORT}
                      password_file: \(setup.passwordFile)
                      server_id: 4205
                      start: earliest
                      until: now
                    \(tlsLines)
                    tables:
                      include: [\(Self.database).*]
                    """
                try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
            }
            let environment = ["TEST_PORT": setup.port]
            try write(
                """
                  tls: verify-identity
                  tls_ca: \(setup.certificates.ca)
                  tls_cert: \(setup.certificates.clientCert)
                  tls_key: \(setup.certificates.clientKey)
                """)
            let run = try BinlogSinkCLI.run(["run", "--config", file], timeout: 120, environment: environment)
            #expect(run.status == 0, "run --config: \(run.stderr)")
            #expect(try BinlogRecord.parseAll(run.stdout).count == 5)
            let check = try BinlogSinkCLI.run(["check", "--config", file], timeout: 60, environment: environment)
            #expect(check.stdoutText.contains("verified for 127.0.0.1"), "\(check.stdoutText)")

            // The file's CA is the untrusted one: refused, so the key really is read.
            try write(
                """
                  tls: verify-identity
                  tls_ca: \(setup.certificates.otherCA)
                  tls_cert: \(setup.certificates.clientCert)
                  tls_key: \(setup.certificates.clientKey)
                """)
            let refused = try BinlogSinkCLI.run(["run", "--config", file], timeout: 60, environment: environment)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("is not trusted"), "\(refused.stderr)")
        }

        @Test("--tls required refuses a server without TLS; preferred connects to it in plain text")
        func requiredWithoutTLS() throws {
            // The suite's shared server (scripts/test) has no TLS.
            let port = try #require(liveRunPort)
            let source = "mysql://root@127.0.0.1:\(port)"
            let required = try BinlogSinkCLI.run(["check", "--source", source, "--tls", "required"], timeout: 60)
            #expect(required.status != 0)
            #expect(
                required.stdoutText.contains(
                    "cannot connect to root@127.0.0.1:\(port) with --tls required: the server does not offer TLS"),
                "\(required.stdoutText)")
            let run = try BinlogSinkCLI.run(
                ["run", "--source", source, "--tls", "required", "--until", "now", "--server-id", "4206"], timeout: 60)
            #expect(run.status != 0)
            #expect(run.stderr.contains("the server does not offer TLS"), "\(run.stderr)")
            let preferred = try BinlogSinkCLI.run(["check", "--source", source], timeout: 60)
            #expect(
                preferred.stdoutText.contains("warn tls: not encrypted (--tls preferred)"), "\(preferred.stdoutText)")
        }
    }
}
