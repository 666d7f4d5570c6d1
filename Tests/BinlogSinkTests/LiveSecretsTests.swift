import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// Secrets never leak (docs/security.md), end to end with canary passwords: a MariaDB user with a unique random
// password, a redis-server of the test's own with `requirepass` set to another, basic-auth credentials for a stand-in
// schema registry, and a Kafka SASL password. Every secret holds the same random token; the binary runs through
// successful runs (stdout, file, Redis and Kafka sinks; text and JSON logs at debug level; /metrics, /healthz and
// --metrics-file), failing runs (wrong MariaDB and Redis passwords that contain the token, an unreachable host, a
// connector file with the secret in it that is broken, validate), check, status --source, position show, schema
// show and every --help; then the token is looked for in every byte they produced: stdout, stderr, the metrics, the
// output files, every file of every state directory (SQLite database, WAL, lock), the Redis server's append-only
// file and the messages in Kafka. Passwords written on the command line (a URL, --kafka-property sasl.password) are
// accepted with a warning that names the option, never the value.

extension LiveServer {
    @Suite(
        "Live secrets: canary passwords never appear in output, logs, metrics, errors, state or --help",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil && LiveRedisClient.environmentPort != nil
                && LiveRedisServerProcess.executable != nil,
            "needs BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT, BINLOG_SINK_TEST_REDIS_PORT and redis-server")
    )
    struct LiveSecretsTests {
        let client: MariaDBClient
        let port: String
        let scratch: URL
        /// In every secret; looked for everywhere.
        let token: String
        let user: String
        var mysqlPassword: String { "myPw-\(token)" }
        var redisPassword: String { "rdPw-\(token)" }
        var registryPassword: String { "srPw-\(token)" }
        var kafkaPassword: String { "kfPw-\(token)" }

        init() throws {
            guard let client = MariaDBClient.fromEnvironment, let port = liveRunPort else {
                throw MariaDBClient.Failure(message: "BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT are not set")
            }
            self.client = client
            self.port = port
            token = "Cnry" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20)
            user = "bls_sec_\(UUID().uuidString.prefix(6).lowercased())"
            var template = Array("/tmp/bls-sec-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw MariaDBClient.Failure(message: "mkdtemp failed") }
            scratch = URL(fileURLWithPath: String(cString: made))
        }

        /// Everything the runs produced, by label.
        final class Evidence {
            var items: [(label: String, bytes: Data)] = []
            func add(_ label: String, _ bytes: Data) { items.append((label, bytes)) }
            func add(_ label: String, _ text: String) { items.append((label, Data(text.utf8))) }
            func add(_ label: String, _ result: BinlogSinkCLI.Result) {
                add("\(label) stdout", result.stdout)
                add("\(label) stderr", result.stderr)
            }
            /// Every regular file under `directory`, raw bytes.
            func addFiles(under directory: URL, _ label: String) {
                guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
                else { return }
                for case let url as URL in walker {
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
                        !isDirectory.boolValue,
                        let bytes = try? Data(contentsOf: url)
                    {
                        add("\(label): \(url.lastPathComponent)", bytes)
                    }
                }
            }
            /// Labels whose bytes contain `needle`.
            func leaks(_ needle: String) -> [String] {
                let pattern = Data(needle.utf8)
                return items.filter { $0.bytes.range(of: pattern) != nil }.map(\.label)
            }
        }

        func source(_ password: String? = nil, port: String? = nil) -> String {
            "mysql://\(user)\(password.map { ":\($0)" } ?? "")@127.0.0.1:\(port ?? self.port)"
        }

        func file(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
            let url = scratch.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
            return url.path
        }

        /// Every subcommand path, for --help.
        static let commands: [[String]] = [
            [], ["parse"], ["run"], ["check"], ["status"], ["position"], ["position", "show"], ["position", "set"],
            ["schema"], ["schema", "show"], ["snapshot"], ["validate"], ["bench"],
        ]

        @Test(
            "canary passwords for MariaDB, Redis, the schema registry and Kafka appear in no output, log, metric, error, state file or --help"
        )
        func canaryNeverLeaks() throws {
            defer { try? FileManager.default.removeItem(at: scratch) }
            let evidence = Evidence()
            let database = LiveMariaDBTests.uniqueDatabase("bls_sec")
            try client.run(
                """
                CREATE USER '\(user)'@'%' IDENTIFIED BY \(MariaDBClient.literal(mysqlPassword));
                GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '\(user)'@'%';
                CREATE DATABASE `\(database)`;
                GRANT SELECT ON `\(database)`.* TO '\(user)'@'%';
                CREATE TABLE `\(database)`.t (id INT PRIMARY KEY, v VARCHAR(40)) DEFAULT CHARSET=utf8mb4;
                """)
            defer { _ = try? client.run("DROP USER '\(user)'@'%'; DROP DATABASE IF EXISTS `\(database)`;") }
            let start = try LiveBinlogPoint.current(client)
            var insert = "INSERT INTO `\(database)`.t VALUES "
            insert += (0..<20).map { "(\($0), 'row \($0)')" }.joined(separator: ", ")
            try client.run(insert + "; UPDATE `\(database)`.t SET v = 'changed' WHERE id < 5;")
            let end = try LiveBinlogPoint.current(client)
            let range = ["--start", start.description, "--until", end.description, "--include", "\(database).*"]
            let environment = ["MYSQL_PWD": mysqlPassword]
            let passwordFile = try file("mysql-password", mysqlPassword + "\n")

            // The canary is where it should be: the matcher finds it (the test can fail).
            let sanity = Evidence()
            sanity.add("password file", try Data(contentsOf: URL(fileURLWithPath: passwordFile)))
            #expect(sanity.leaks(token) == ["password file"])

            // check, status without a state yet, --help of every command with every secret in the environment.
            let fullEnvironment = [
                "MYSQL_PWD": mysqlPassword, "REDISCLI_AUTH": redisPassword,
                "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO": "binlog:\(registryPassword)", "KAFKA_PASSWORD": kafkaPassword,
            ]
            let check = try BinlogSinkCLI.run(
                ["check", "--source", source(), "--include", "\(database).*"], timeout: 60, environment: environment)
            #expect(check.status == 0, "check: \(check.stdoutText) \(check.stderr)")
            evidence.add("check", check)
            for command in Self.commands {
                let help = try BinlogSinkCLI.run(command + ["--help"], timeout: 30, environment: fullEnvironment)
                #expect(help.status == 0 && help.stdoutText.contains("USAGE"), "\(command) --help: \(help.stderr)")
                evidence.add("\(command.joined(separator: " ")) --help", help)
            }

            // A successful run in the background: stdout sink, JSON debug logs, /metrics, /healthz, --metrics-file;
            // the password from --password-file.
            let state = scratch.appendingPathComponent("state-run")
            let metricsPort = try LiveOperationsTests.freePort()
            let metricsFile = scratch.appendingPathComponent("metrics.prom").path
            let background = try LiveBackgroundRun(
                [
                    "run", "--source", source(), "--password-file", passwordFile, "--start", start.description,
                    "--until", "never", "--include", "\(database).*", "--state", state.path, "--heartbeat", "1",
                    "--checkpoint-interval", "0.2", "--metrics-listen", "127.0.0.1:\(metricsPort)",
                    "--metrics-file", metricsFile, "--log-format", "json", "--log-level", "debug",
                ])
            let streamed = try background.wait(timeout: 60) { $0.count >= 25 }
            #expect(streamed, "the run did not stream the 25 changes: \(background.summary)")
            let scrape = try LiveOperationsTests.httpGet("http://127.0.0.1:\(metricsPort)/metrics")
            let health = try LiveOperationsTests.httpGet("http://127.0.0.1:\(metricsPort)/healthz")
            #expect(String(decoding: scrape.stdout, as: UTF8.self).contains("binlog_sink_records_total"))
            #expect(String(decoding: health.stdout, as: UTF8.self) == "ok\n")
            evidence.add("/metrics", scrape.stdout)
            evidence.add("/healthz", health.stdout)
            usleep(1_200_000)  // one more --metrics-file write
            // The state while the run holds it open: the SQLite database, its write-ahead log and shared memory.
            evidence.addFiles(under: state, "state while running")
            #expect(
                evidence.items.contains { $0.label.hasSuffix("state.sqlite-wal") }, "no WAL file looked at")
            #expect(background.stop(SIGTERM) == 0, "\(background.summary)")
            evidence.add("background run stdout", (try? Data(contentsOf: background.stdoutURL)) ?? Data())
            evidence.add("background run stderr", background.stderr)
            #expect(background.stderr.contains("\"level\":\"debug\""), "no debug log line")
            evidence.add("--metrics-file", (try? Data(contentsOf: URL(fileURLWithPath: metricsFile))) ?? Data())

            // File sink, text debug logs, MYSQL_PWD.
            let output = scratch.appendingPathComponent("files")
            let fileState = scratch.appendingPathComponent("state-files")
            // A state directory made beforehand with group access: warned about, left as it is.
            try FileManager.default.createDirectory(at: fileState, withIntermediateDirectories: false)
            try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: fileState.path)
            let files = try BinlogSinkCLI.run(
                ["run", "--source", source()] + range + [
                    "--state", fileState.path, "--sink", "file:\(output.path)", "--log-level", "debug", "--stats",
                ], timeout: 120, environment: environment)
            #expect(files.status == 0, "file sink run: \(files.stderr)")
            #expect(
                files.stderr.contains(
                    "warning: the state directory \(fileState.path) is accessible by its group or others (mode 750)"),
                "no warning for the open state directory: \(files.stderr.prefix(1000))")
            let stateMode = try FileManager.default.attributesOfItem(atPath: fileState.path)[.posixPermissions] as? Int
            #expect(stateMode == 0o750, "the state directory's mode was changed")
            #expect(!background.stderr.contains("state directory"), "a fresh state directory is private")
            #expect(files.stderr.contains("binlog-sink: debug: "), "no text debug line: \(files.stderr.prefix(500))")
            evidence.add("file sink run", files)
            evidence.addFiles(under: output, "file sink output")

            // status --source, position show, schema show of both states.
            for directory in [state, fileState] {
                let status = try BinlogSinkCLI.run(
                    ["status", "--state", directory.path, "--source", source()], timeout: 60, environment: environment)
                #expect(
                    status.status == 0 && status.stdoutText.contains("lag:"),
                    "status: \(status.stdoutText) \(status.stderr)")
                evidence.add("status \(directory.lastPathComponent)", status)
                let position = try BinlogSinkCLI.run(["position", "show", "--state", directory.path], timeout: 30)
                #expect(position.status == 0, "position show: \(position.stderr)")
                evidence.add("position show \(directory.lastPathComponent)", position)
                let schema = try BinlogSinkCLI.run(["schema", "show", "--state", directory.path], timeout: 30)
                evidence.add("schema show \(directory.lastPathComponent)", schema)
            }

            // Redis with requirepass, avro through a registry with basic auth (REDISCLI_AUTH and the registry's
            // variable); then the same with --redis-password-file.
            let redisPort = (LiveRedisClient.environmentPort ?? 0) + 30
            let redis = try LiveRedisServerProcess(port: redisPort, password: redisPassword, scratch: scratch)
            defer { redis.stop() }
            let registryPort = try LiveOperationsTests.freePort()
            let registryLog = scratch.appendingPathComponent("registry.log")
            let registry = try LiveRedisServerProcess.python(
                [
                    "-c", LiveSchemaRegistryTests.fakeRegistryScript, String(registryPort), "ok",
                    "binlog:\(registryPassword)", registryLog.path,
                ], waitForPort: registryPort)
            defer {
                kill(registry.processIdentifier, SIGKILL)
                registry.waitUntilExit()
            }
            let redisState = scratch.appendingPathComponent("state-redis")
            let avro = try BinlogSinkCLI.run(
                ["run", "--source", source()] + range + [
                    "--state", redisState.path, "--sink", "redis://127.0.0.1:\(redisPort)/0?prefix=sec.",
                    "--format", "avro", "--schema-registry-url", "http://127.0.0.1:\(registryPort)",
                    "--log-format", "json", "--log-level", "debug",
                ], timeout: 120, environment: fullEnvironment)
            #expect(avro.status == 0, "redis avro run: \(avro.stderr)")
            evidence.add("redis avro run", avro)
            let registryRequests = (try? String(contentsOf: registryLog, encoding: .utf8)) ?? ""
            #expect(
                registryRequests.contains("\"authorized\": true")
                    && !registryRequests.contains("\"authorized\": false"),
                "the registry did not get the credentials: \(registryRequests)")
            let redisPasswordFile = try file("redis-password", redisPassword + "\n")
            let hash = try BinlogSinkCLI.run(
                ["run", "--source", source(), "--password-file", passwordFile] + range + [
                    "--sink", "redis://127.0.0.1:\(redisPort)/1?mode=hash&prefix=sec.", "--redis-password-file",
                    redisPasswordFile, "--log-level", "debug",
                ], timeout: 120)
            #expect(hash.status == 0, "redis hash run: \(hash.stderr)")
            evidence.add("redis hash run", hash)
            #expect(!hash.stderr.contains("readable by its group"), "private password files: \(hash.stderr)")

            // Password files other local users can read: used, and warned about (option, path, mode; no content).
            let sharedPassword = try file("shared-mysql-password", mysqlPassword + "\n", mode: 0o644)
            let sharedRedis = try file("shared-redis-password", redisPassword + "\n", mode: 0o640)
            let shared = try BinlogSinkCLI.run(
                ["run", "--source", source(), "--password-file", sharedPassword] + range + [
                    "--sink", "redis://127.0.0.1:\(redisPort)/5?mode=hash&prefix=sec.", "--redis-password-file",
                    sharedRedis,
                ], timeout: 120)
            #expect(shared.status == 0, "shared password files: \(shared.stderr)")
            #expect(
                shared.stderr.contains(
                    "warning: --password-file \(sharedPassword) is readable by its group or others (mode 644)")
                    && shared.stderr.contains(
                        "warning: --redis-password-file \(sharedRedis) is readable by its group or others (mode 640)"),
                "no warning for readable password files: \(shared.stderr)")
            evidence.add("run with readable password files", shared)

            // Failing runs: wrong passwords that contain the token, an unreachable server.
            let wrongMySQL = try BinlogSinkCLI.run(
                ["run", "--source", source()] + range + ["--log-level", "debug"], timeout: 60,
                environment: ["MYSQL_PWD": "wrong-\(mysqlPassword)"])
            #expect(
                wrongMySQL.status == 2 && wrongMySQL.stderr.contains("access denied for \(user)@127.0.0.1"),
                "wrong MariaDB password: \(wrongMySQL.stderr)")
            evidence.add("wrong MariaDB password", wrongMySQL)
            let wrongCheck = try BinlogSinkCLI.run(
                ["check", "--source", source()], timeout: 60, environment: ["MYSQL_PWD": "wrong-\(mysqlPassword)"])
            #expect(wrongCheck.status == 1, "check with a wrong password: \(wrongCheck.stdoutText)")
            evidence.add("check with a wrong password", wrongCheck)
            let wrongRedis = try BinlogSinkCLI.run(
                ["run", "--source", source()] + range + [
                    "--sink", "redis://127.0.0.1:\(redisPort)/2", "--log-format", "json", "--log-level", "debug",
                ], timeout: 60, environment: environment.merging(["REDISCLI_AUTH": "wrong-\(redisPassword)"]) { $1 })
            #expect(
                wrongRedis.status != 0 && wrongRedis.stderr.contains("AUTH failed"),
                "wrong Redis password: \(wrongRedis.stderr)")
            evidence.add("wrong Redis password", wrongRedis)
            let wrongRegistry = try BinlogSinkCLI.run(
                ["run", "--source", source()] + range + [
                    "--state", scratch.appendingPathComponent("state-registry-denied").path, "--sink",
                    "redis://127.0.0.1:\(redisPort)/3", "--format", "avro", "--schema-registry-url",
                    "http://127.0.0.1:\(registryPort)", "--log-level", "debug",
                ], timeout: 60,
                environment: fullEnvironment.merging([
                    "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO": "binlog:wrong-\(registryPassword)"
                ]) { $1 })
            #expect(wrongRegistry.status == 3, "wrong registry credentials: \(wrongRegistry.stderr)")
            evidence.add("wrong registry credentials", wrongRegistry)
            let unreachable = try BinlogSinkCLI.run(
                ["run", "--source", source(port: "1"), "--until", "now", "--connect-timeout", "3"], timeout: 60,
                environment: environment)
            #expect(unreachable.status == 2, "unreachable server: \(unreachable.stderr)")
            evidence.add("unreachable server", unreachable)

            // A password in the --source URL: accepted, warned about, never echoed.
            let inURL = try BinlogSinkCLI.run(
                ["run", "--source", source(mysqlPassword)] + range + ["--log-level", "debug"], timeout: 60)
            #expect(inURL.status == 0, "password in the URL: \(inURL.stderr)")
            #expect(
                inURL.stderr.contains("warning: --source holds a password on the command line"),
                "no warning for a password in the URL: \(inURL.stderr)")
            evidence.add("password in the URL", inURL)
            let inURLStatus = try BinlogSinkCLI.run(
                ["status", "--state", fileState.path, "--source", source("wrong-\(mysqlPassword)")], timeout: 60)
            #expect(inURLStatus.status == 2, "status with a wrong password in the URL: \(inURLStatus.stderr)")
            evidence.add("status with a wrong password in the URL", inURLStatus)

            // Connector files holding the secret literally, readable by others: a warning naming file, line and key.
            let connector = """
                source:
                  url: \(source(mysqlPassword))
                  server_id: 4711
                tables:
                  include: [\(database).*]
                sink:
                  url: redis://:\(redisPassword)@127.0.0.1:\(redisPort)/4
                """
            let leaky = try file("leaky.yaml", connector, mode: 0o644)
            let validate = try BinlogSinkCLI.run(["validate", "--config", leaky], timeout: 30)
            #expect(validate.status == 0, "validate: \(validate.stderr)")
            #expect(
                validate.stderr.contains("warning: \(leaky):2:8: source.url: a password written in a URL")
                    && validate.stderr.contains("\(leaky):7:8: sink.url:") && validate.stderr.contains("mode 644"),
                "validate: \(validate.stderr)")
            evidence.add("validate of a readable file with secrets", validate)
            let fromFile = try BinlogSinkCLI.run(
                ["run", "--config", leaky] + range.filter { $0 != "--include" && $0 != "\(database).*" }, timeout: 60)
            #expect(fromFile.status == 0, "run --config: \(fromFile.stderr)")
            #expect(fromFile.stderr.contains("\(leaky):2:8: source.url"), "no warning: \(fromFile.stderr)")
            #expect(
                !fromFile.stderr.contains("--source holds a password on the command line"),
                "a password from the file is not on the command line: \(fromFile.stderr)")
            evidence.add("run --config with secrets", fromFile)
            // Broken files: a YAML syntax error after the secrets, a bad port in the URL that holds the password, a
            // secret under an unknown key.
            let brokenFiles = [
                try file("broken.yaml", connector + "\n  bogus_key: [unclosed\n", mode: 0o644),
                try file(
                    "badport.yaml",
                    connector.replacingOccurrences(of: "@127.0.0.1:\(port)", with: "@127.0.0.1:notaport"),
                    mode: 0o644),
                try file("unknown.yaml", connector + "\n  passwd: \(mysqlPassword)\n", mode: 0o644),
            ]
            for broken in brokenFiles {
                let name = URL(fileURLWithPath: broken).lastPathComponent
                for command in ["validate", "run", "check"] {
                    let result = try BinlogSinkCLI.run([command, "--config", broken], timeout: 30)
                    evidence.add("\(command) of \(name)", result)
                    switch command {
                    case "validate":
                        #expect(
                            result.status == 64 && result.stderr.contains("error: \(broken):"),
                            "validate of \(name): \(result.stderr)")
                    case "run":
                        #expect(result.status == 64, "run of \(name): \(result.stderr)")
                    default:
                        // check ignores keys it does not have (unknown.yaml connects and checks).
                        #expect(name == "unknown.yaml" || result.status == 64, "check of \(name): \(result.stderr)")
                    }
                }
            }
            let wrongInFile = try file(
                "wrong.yaml", connector.replacingOccurrences(of: mysqlPassword, with: "wrong-\(mysqlPassword)"))
            let wrongFromFile = try BinlogSinkCLI.run(
                ["run", "--config", wrongInFile] + ["--until", "now"], timeout: 60)
            #expect(wrongFromFile.status == 2, "a wrong password from a file: \(wrongFromFile.stderr)")
            evidence.add("wrong password from a connector file", wrongFromFile)

            // Kafka: SASL settings from ${VAR} in a file (never on argv), and on the command line (warned).
            if let kafkaPort = LiveKafka.port {
                let prefix = LiveKafka.uniquePrefix("sec")
                let kafkaFile = try file(
                    "kafka.yaml",
                    """
                    source:
                      url: \(source())
                    sink:
                      url: kafka://127.0.0.1:\(kafkaPort)
                      kafka:
                        topic: \(prefix){db}.{table}
                        properties:
                          sasl.username: cdc
                          sasl.password: ${KAFKA_PASSWORD}
                    """, mode: 0o644)
                let kafka = try BinlogSinkCLI.run(
                    ["run", "--config", kafkaFile] + range + ["--log-level", "debug"], timeout: 120,
                    environment: fullEnvironment)
                #expect(kafka.status == 0, "kafka run: \(kafka.stderr)")
                #expect(!kafka.stderr.contains("warning"), "a ${VAR} secret is not warned about: \(kafka.stderr)")
                evidence.add("kafka run (file)", kafka)
                let argv = try BinlogSinkCLI.run(
                    ["run", "--source", source()] + range + [
                        "--sink", "kafka://127.0.0.1:\(kafkaPort)", "--topic", prefix + "argv.{db}.{table}",
                        "--kafka-property", "sasl.password=\(kafkaPassword)", "--log-level", "debug",
                    ], timeout: 120, environment: environment)
                #expect(argv.status == 0, "kafka run (argv): \(argv.stderr)")
                #expect(
                    argv.stderr.contains("--kafka-property sasl.password holds a secret on the command line"),
                    "no warning: \(argv.stderr)")
                evidence.add("kafka run (argv)", argv)
                let messages = try LiveKafka.consume(prefix: prefix, expect: 50, timeout: 30)
                #expect(messages.count >= 50, "\(messages.count) Kafka messages")
                for message in messages {
                    evidence.add(
                        "kafka \(message.topic)@\(message.offset)", (message.key ?? Data()) + (message.value ?? Data()))
                }
            }

            // Every file of every state directory, raw bytes (SQLite database, WAL, shm, lock), and the Redis data.
            for directory in [state, fileState, redisState] {
                evidence.addFiles(under: directory, "state \(directory.lastPathComponent)")
            }
            #expect(
                evidence.items.contains { $0.label.hasSuffix("state.sqlite") },
                "no state database was looked at")
            redis.stop()
            evidence.addFiles(under: redis.directory, "redis data")

            // BINLOG_SINK_TEST_SECRETS_DUMP=DIR keeps every output looked at, for a human to read.
            if let dump = ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_SECRETS_DUMP"], !dump.isEmpty {
                try FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
                for (index, item) in evidence.items.enumerated() {
                    let name = item.label.map { $0.isLetter || $0.isNumber ? $0 : "_" }
                    try item.bytes.write(to: URL(fileURLWithPath: "\(dump)/\(index)-\(String(name.prefix(60)))"))
                }
            }
            let leaks = evidence.leaks(token)
            #expect(leaks.isEmpty, "the canary appears in: \(leaks)")
            #expect(evidence.items.count > 40, "only \(evidence.items.count) outputs were looked at")
        }
    }
}

/// A redis-server with `requirepass`, in the test's scratch directory (appendonly, so its data is on disk).
final class LiveRedisServerProcess {
    static var executable: String? { LiveRedisServer.executable }

    let process = Process()
    let directory: URL

    init(port: Int, password: String, scratch: URL) throws {
        guard let executable = Self.executable else { throw LiveRedisServer.Failure(message: "no redis-server") }
        directory = scratch.appendingPathComponent("redis-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // The password is given in a configuration file, not argv (the test itself follows the rule).
        let configuration = directory.appendingPathComponent("redis.conf")
        try Data("requirepass \"\(password)\"\n".utf8).write(to: configuration)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            configuration.path, "--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path,
            "--appendonly", "yes", "--save", "", "--daemonize", "no",
            "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let client = try? LiveRedisClient(port: port, timeout: 2),
                (try? client.command(["AUTH", password]))?.text == "OK"
            {
                // The configuration file holds the password: remove it once the server has read it.
                try? FileManager.default.removeItem(at: configuration)
                return
            }
            usleep(50_000)
        }
        stop()
        throw LiveRedisServer.Failure(message: "redis-server with requirepass on port \(port) did not answer")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// `python3 ARGS…` in the background, once something listens on `port`.
    static func python(_ arguments: [String], waitForPort port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !LiveServer.LiveSchemaRegistryTests.accepts(port: port) { usleep(100_000) }
        return process
    }
}
