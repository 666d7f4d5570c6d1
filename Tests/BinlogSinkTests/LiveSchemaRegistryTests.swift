import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `--format avro` with `--exclude-column` / `--mask-column` and with `--schema-registry-url`, end to end against the
// throwaway MariaDB and Tansu scripts/test starts.
//
// - One binlog-sink run serves the registry (`--registry-listen … --registry-writable`); Python confluent-kafka's
//   SchemaRegistryClient registers and looks up a schema there; a second run writes LiveWorkload (every column type)
//   with a column filter to Kafka, registering its schemas there (`--schema-registry-url`); confluent-kafka's
//   AvroDeserializer pointed at the same registry decodes every key and value, and each equals the json record of a
//   run with the same filter (excluded columns absent, masked ones the same digest). The subjects are the topics'
//   `<topic>-key` / `<topic>-value`, and both state directories keep the registrations.
// - Failures, against a small Python HTTP server standing in for a registry: nothing listening (retried, then a
//   clear error, exit 2), 409 and 422 (a permanent error naming the subject and the registry's message, exit 3),
//   401 (credentials never printed), 503 twice then ids (retried, then the messages carry the ids the registry gave
//   for `<topic>-key` / `<topic>-value`, with basic auth from --schema-registry-auth-file), https with an untrusted
//   certificate (a TLS error at once, exit 2). A failed run writes no message and saves no position past its start.

extension LiveServer {
    @Suite(
        "Live schema registry: avro column filters, --schema-registry-url, the writable embedded registry",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil && LiveKafka.port != nil,
            "needs a live MariaDB and Tansu: BINLOG_SINK_TEST_MYSQL_SOCKET, _PORT and BINLOG_SINK_TEST_KAFKA_PORT"),
        .enabled(
            if: LiveKafka.port == nil || LiveKafka.avroConsumerReady,
            "python3 cannot import confluent_kafka.schema_registry.avro")
    )
    struct LiveSchemaRegistryTests {
        let client: MariaDBClient
        let port: String
        let scratch: URL

        init() throws {
            guard let client = MariaDBClient.fromEnvironment, let port = liveRunPort else {
                throw MariaDBClient.Failure(message: "BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT are not set")
            }
            self.client = client
            self.port = port
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "bls-registry-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }
        var sink: String { "kafka://\(LiveKafka.brokers)" }
        /// Ports next to the broker's (LiveKafkaTests uses +7 for its registry).
        var registryPort: Int { (Int(LiveKafka.port ?? "") ?? 0) + 8 }
        var fakePort: Int { (Int(LiveKafka.port ?? "") ?? 0) + 9 }

        static let filter = [
            "--mask-column", "*.t_str.*", "--mask-column", "*.t_composite.k2", "--exclude-column", "*.*.bl",
            "--exclude-column", "*.t_temporal.dt*", "--exclude-column", "*.t_nopk.b",
        ]

        /// (table, column) pairs the filter masks.
        static func isMasked(_ table: String, _ column: String) -> Bool {
            table == "t_str" || (table == "t_composite" && column == "k2")
        }

        /// LiveWorkload in a new database; its range.
        func workload() throws -> (database: String, start: LiveBinlogPoint, end: LiveBinlogPoint) {
            let database = LiveMariaDBTests.uniqueDatabase("bls_avroreg")
            let start = try LiveBinlogPoint.current(client)
            try client.run(LiveWorkload.sql(database: database))
            return (database, start, try LiveBinlogPoint.current(client))
        }

        /// `binlog-sink ARGS…` with extra environment variables, to its end.
        func runCLI(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120) throws
            -> ParseRun
        {
            guard let executable = BinlogSinkCLI.executable else {
                throw BinlogSinkCLI.CLIError(message: "binlog-sink executable not found")
            }
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let out = scratch.appendingPathComponent("out-\(UUID().uuidString)")
            let err = scratch.appendingPathComponent("err-\(UUID().uuidString)")
            try Data().write(to: out)
            try Data().write(to: err)
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { usleep(50_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            return ParseRun(
                arguments: arguments,
                result: BinlogSinkCLI.Result(
                    status: process.terminationStatus, stdout: try Data(contentsOf: out),
                    stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self)))
        }

        /// The subjects of a state directory's saved Avro registrations.
        func savedSubjects(_ state: String) throws -> [String] {
            let result = try LiveKafka.runPython(
                [
                    "-c",
                    "import sqlite3, sys, json; c = sqlite3.connect(sys.argv[1]); "
                        + "print(json.dumps([r[0] for r in c.execute('SELECT subject FROM avro_registrations')]))",
                    state + "/state.sqlite",
                ], timeout: 30)
            guard result.status == 0,
                let subjects = try JSONSerialization.jsonObject(with: result.stdout) as? [String]
            else { throw LiveKafka.Failure(description: "reading \(state): \(result.stderr)") }
            return subjects
        }

        // MARK: - Filters and a registry served by another run

        static let pythonRegistryScript = #"""
            import sys, json
            from confluent_kafka.schema_registry import SchemaRegistryClient, Schema
            client = SchemaRegistryClient({"url": sys.argv[1]})
            subject = sys.argv[2]
            schema = Schema(json.dumps({"type": "record", "name": "Probe", "namespace": "test",
                                        "fields": [{"name": "n", "type": "long"}, {"name": "s", "type": "string"}]}),
                            "AVRO")
            first = client.register_schema(subject, schema)
            again = SchemaRegistryClient({"url": sys.argv[1]}).register_schema(subject, schema)
            found = client.lookup_schema(subject, schema)
            fetched = SchemaRegistryClient({"url": sys.argv[1]}).get_schema(first)
            latest = SchemaRegistryClient({"url": sys.argv[1]}).get_latest_version(subject)
            print(json.dumps({"id": first, "again": again, "lookup_id": found.schema_id, "version": found.version,
                              "fetched": json.loads(fetched.schema_str), "latest_id": latest.schema_id,
                              "subjects": SchemaRegistryClient({"url": sys.argv[1]}).get_subjects()}))
            """#

        @Test(
            "a run registers its filtered schemas with another run's writable registry; AvroDeserializer decodes them to the json records of the same filter"
        )
        func filteredAvroThroughWritableRegistry() throws {
            let range = try workload()
            let prefix = LiveKafka.uniquePrefix("avroreg")
            let url = "http://127.0.0.1:\(registryPort)"
            let stateA = scratch.appendingPathComponent("state-registry").path
            let stateB = scratch.appendingPathComponent("state-writer").path

            // The reference: the json records of the same range with the same filter.
            let reference = try runCLI(
                [
                    "run", "--source", source, "--start", range.start.description, "--until", range.end.description,
                    "--include", "\(range.database).*",
                ] + Self.filter)
            try #require(reference.status == 0, "\(reference.summary)")
            let records = try reference.records()
            try #require(records.count > 20, "\(reference.summary)")

            // The registry: a run that captures nothing and serves its registry, writable.
            let registry = try LiveBackgroundRun([
                "run", "--source", source, "--start", "latest", "--until", "never", "--include", "bls_nothing_here.*",
                "--sink", sink, "--format", "avro", "--state", stateA, "--registry-listen", "127.0.0.1:\(registryPort)",
                "--registry-writable",
            ])
            defer { _ = registry.stop(SIGTERM) }
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, registry.process.isRunning, !registry.stderr.contains("listening on") {
                usleep(100_000)
            }
            try #require(registry.stderr.contains("read-write"), "\(registry.summary)")

            // (a) Python's SchemaRegistryClient registers and looks up there.
            let probeSubject = prefix + "probe-value"
            let python = try LiveKafka.runPython(["-c", Self.pythonRegistryScript, url, probeSubject], timeout: 60)
            try #require(python.status == 0, "\(python.stderr)")
            let answer = try #require(try JSONSerialization.jsonObject(with: python.stdout) as? [String: Any])
            let probeID = try #require(answer["id"] as? Int)
            #expect(answer["again"] as? Int == probeID && answer["lookup_id"] as? Int == probeID, "\(answer)")
            #expect(answer["latest_id"] as? Int == probeID && answer["version"] as? Int == 1, "\(answer)")
            #expect((answer["fetched"] as? [String: Any])?["name"] as? String == "Probe", "\(answer)")
            #expect((answer["subjects"] as? [String])?.contains(probeSubject) == true, "\(answer)")
            let unknown = try Self.post(port: registryPort, "/subjects/\(prefix)none", #"{"schema":"\"int\""}"#)
            #expect(unknown.status == 404 && unknown.body.contains("40401"), "\(unknown)")
            let invalid = try Self.post(port: registryPort, "/subjects/\(prefix)x/versions", #"{"schema":"{x"}"#)
            #expect(invalid.status == 422 && invalid.body.contains("42201"), "\(invalid)")
            // The write path's own refusals (HTTPListener's body handling), each answered in Confluent's JSON.
            let tooLarge = try LiveHTTP.request(
                port: registryPort, "POST /subjects/x/versions HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
            #expect(tooLarge.status == 413 && tooLarge.body.contains("\"error_code\":413"), "\(tooLarge)")
            let noLength = try LiveHTTP.request(
                port: registryPort, "POST /subjects/x/versions HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(noLength.status == 411 && noLength.body.contains("\"error_code\":411"), "\(noLength)")
            let chunked = try LiveHTTP.request(
                port: registryPort,
                "POST /subjects/x/versions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
            )
            #expect(chunked.status == 411, "\(chunked)")
            let put = try LiveHTTP.request(
                port: registryPort, "PUT /config HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(put.status == 405 && put.body.contains("\"error_code\":405"), "\(put)")
            let unknownRoute = try Self.post(port: registryPort, "/nowhere", "{}")
            #expect(unknownRoute.status == 404 && unknownRoute.body.contains("\"error_code\":404"), "\(unknownRoute)")

            // (b) The writer registers with it, with the column filter.
            let writer = try runCLI(
                [
                    "run", "--source", source, "--start", range.start.description, "--until", range.end.description,
                    "--include", "\(range.database).*", "--sink", sink, "--topic", prefix + "{db}.{table}",
                    "--format", "avro", "--state", stateB, "--schema-registry-url", url,
                ] + Self.filter)
            try #require(writer.status == 0, "\(writer.summary)")
            let messages = try LiveKafka.consume(prefix: prefix, expect: records.count, timeout: 60, registry: url)
            #expect(registry.process.isRunning, "the registry run exited: \(registry.summary)")

            let byKey = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            var problems: [String] = []
            var seen = Set<String>()
            var topics = Set<String>()
            for message in messages {
                let what = "\(message.topic)@\(message.offset)"
                topics.insert(message.topic)
                guard let value = message.valueAvro, let key = value["key"]?.stringValue, let record = byKey[key]
                else {
                    problems.append("\(what): no decoded value of a reference record")
                    continue
                }
                seen.insert(key)
                problems += Self.imageProblems(value["before"], record.before, table: record.table, "\(key) before")
                problems += Self.imageProblems(value["after"], record.after, table: record.table, "\(key) after")
                problems += Self.imageProblems(
                    message.keyAvro, LiveKafkaValues.keyImage(record), table: record.table, "\(key) message key")
            }
            expectNoProblems(problems, "filtered avro messages vs the filtered json records")
            #expect(seen.count == byKey.count, "\(seen.count) of \(byKey.count) records arrived")

            // TopicNameStrategy: the subjects are the Kafka topics' -key and -value.
            let subjects = try LiveHTTP.get(port: registryPort, "/subjects")
            let missing = topics.flatMap { [$0 + "-key", $0 + "-value"] }.filter {
                !subjects.body.contains("\"\($0)\"")
            }
            #expect(!topics.isEmpty && missing.isEmpty, "subjects missing from the registry: \(missing)")
            // Stopped hard: the registrations were saved before they were answered, not at shutdown.
            _ = registry.stop(SIGKILL)

            // Both states keep the registrations: the registry's under the subjects, the writer's under the URL.
            let registered = try savedSubjects(stateA)
            #expect(registered.contains(probeSubject), "\(registered.prefix(5))")
            #expect(topics.allSatisfy { registered.contains($0 + "-value") }, "\(registered.prefix(5))")
            let written = try savedSubjects(stateB)
            #expect(topics.allSatisfy { written.contains("\(url)|\($0)-value") }, "\(written.prefix(5))")

            // Restarted on its state, the registry serves the same ids and registers the same schema to the same id.
            let restarted = try LiveBackgroundRun(registry.arguments)
            defer { _ = restarted.stop(SIGKILL) }
            let again = Date().addingTimeInterval(20)
            while Date() < again, restarted.process.isRunning, !restarted.stderr.contains("listening on") {
                usleep(100_000)
            }
            let probe = try LiveHTTP.get(port: registryPort, "/schemas/ids/\(probeID)")
            #expect(probe.status == 200 && probe.body.contains("Probe"), "\(probe) \(restarted.summary)")
            let rerun = try LiveKafka.runPython(["-c", Self.pythonRegistryScript, url, probeSubject], timeout: 60)
            let reanswer = try JSONSerialization.jsonObject(with: rerun.stdout) as? [String: Any]
            #expect(
                rerun.status == 0 && reanswer?["id"] as? Int == probeID,
                "\(rerun.stderr) \(String(describing: reanswer))")
        }

        /// A raw POST with a JSON body.
        static func post(port: Int, _ path: String, _ body: String) throws -> LiveHTTP.Response {
            try LiveHTTP.request(
                port: port,
                "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + "\(body.utf8.count)\r\n\r\n\(body)")
        }

        /// An Avro image against the filtered json image: the same columns, masked ones the same digest string, the
        /// others as LiveKafkaValues compares them.
        static func imageProblems(_ actual: JSONValue?, _ expected: JSONObject?, table: String, _ what: String)
            -> [String]
        {
            guard let expected, let image = actual?.objectValue else {
                return LiveKafkaValues.avroImageProblems(actual, expected, table: table, what: what)
            }
            if image.keys != expected.keys {
                return ["\(what): columns \(image.keys), the filtered json record has \(expected.keys)"]
            }
            var problems: [String] = []
            var kept: [(String, JSONValue)] = []
            var keptAvro: [(String, JSONValue)] = []
            for (column, value) in expected.entries {
                guard isMasked(table, column) else {
                    kept.append((column, value))
                    keptAvro.append((column, image[column] ?? .null))
                    continue
                }
                let digest = value.stringValue
                if image[column] != value || (value != .null && digest?.count != 64) {
                    problems.append("\(what).\(column): avro \(image[column] ?? .null), json digest \(value)")
                }
            }
            return problems
                + LiveKafkaValues.avroImageProblems(
                    .object(JSONObject(keptAvro)), JSONObject(kept), table: table, what: what)
        }

        // MARK: - Registry failures

        /// A stand-in registry: `MODE` ok (ids per schema, after two 503s with `flaky`), 409, 422; `AUTH` USER:PASSWORD
        /// required (else 401), or `-`. Each request is logged to `LOG` as JSON (subject, content type, id).
        static let fakeRegistryScript = #"""
            import sys, json, base64, urllib.parse
            from http.server import BaseHTTPRequestHandler, HTTPServer
            port, mode, auth, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
            ids, calls = {}, [0]
            class Handler(BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    subject = urllib.parse.unquote(self.path.split("/")[2])
                    entry = {"subject": subject, "content_type": self.headers.get("Content-Type"),
                             "authorized": auth == "-" or self.headers.get("Authorization") ==
                                 "Basic " + base64.b64encode(auth.encode()).decode()}
                    calls[0] += 1
                    if not entry["authorized"]:
                        status, answer = 401, {"error_code": 40101, "message": "Unauthorized"}
                    elif mode == "409":
                        status, answer = 409, {"error_code": 409, "message":
                            "Schema being registered is incompatible with an earlier schema for subject \"%s\"" % subject}
                    elif mode == "422":
                        status, answer = 422, {"error_code": 42201, "message": "Invalid schema: fake refusal"}
                    elif mode == "flaky" and calls[0] <= 2:
                        status, answer = 503, {"error_code": 50003, "message": "Error while forwarding the request"}
                    else:
                        schema = json.loads(body)["schema"]
                        ids.setdefault(schema, 500 + len(ids))
                        status, answer = 200, {"id": ids[schema]}
                        entry["id"] = ids[schema]
                    with open(log_path, "a") as log:
                        log.write(json.dumps(entry) + "\n")
                    data = json.dumps(answer).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                def log_message(self, *args):
                    pass
            server = HTTPServer(("127.0.0.1", port), Handler)
            if len(sys.argv) > 6:
                import ssl
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(sys.argv[5], sys.argv[6])
                server.socket = context.wrap_socket(server.socket, server_side=True)
            server.serve_forever()
            """#

        /// Runs `body` with the stand-in registry up; its request log.
        /// `tls`: certificate and key files to serve https with.
        func withFakeRegistry(
            mode: String, auth: String, tls: (cert: String, key: String)? = nil, _ body: () throws -> Void
        ) throws -> [[String: Any]] {
            let log = scratch.appendingPathComponent("fake-\(mode)-\(UUID().uuidString.prefix(6)).log")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments =
                ["python3", "-c", Self.fakeRegistryScript, String(fakePort), mode, auth, log.path]
                + (tls.map { [$0.cert, $0.key] } ?? [])
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            defer {
                // SIGKILL: the test runner's threads block SIGTERM, and a child inherits that mask.
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !Self.accepts(port: fakePort) { usleep(100_000) }
            try body()
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        /// Whether something listens on 127.0.0.1:`port`.
        static func accepts(port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }

        func writerArguments(
            _ range: (database: String, start: LiveBinlogPoint, end: LiveBinlogPoint), prefix: String,
            state: String, url: String
        ) -> [String] {
            [
                "run", "--source", source, "--start", range.start.description, "--until", range.end.description,
                "--include", "\(range.database).t_int", "--include", "\(range.database).t_composite", "--sink", sink,
                "--topic", prefix + "{db}.{table}", "--format", "avro", "--state", state, "--schema-registry-url", url,
            ]
        }

        /// A failed run wrote nothing and saved no position past its start.
        func expectNothingDelivered(prefix: String, state: String, end: LiveBinlogPoint, _ what: String) throws {
            let messages = try LiveKafka.consume(prefix: prefix, expect: 0, timeout: 5)
            #expect(messages.isEmpty, "\(what): \(messages.count) messages were written")
            let position = try runCLI(["position", "show", "--state", state])
            #expect(
                !String(decoding: position.result.stdout, as: UTF8.self).contains(end.description),
                "\(what): the saved position moved to the end: \(position.summary)")
        }

        @Test(
            "registry failures: unreachable (retried, exit 2), 409 / 422 / 401 (exit 3, subject and message), untrusted TLS, 503 retried"
        )
        func registryFailures() throws {
            let range = try workload()
            let secret = "s3cr3t-\(UUID().uuidString.prefix(6))"

            // Nothing listens: retried for --schema-registry-timeout, then a clear error.
            var prefix = LiveKafka.uniquePrefix("regdown")
            var state = scratch.appendingPathComponent("state-down").path
            let down = try runCLI(
                writerArguments(range, prefix: prefix, state: state, url: "http://127.0.0.1:\(fakePort)")
                    + ["--schema-registry-timeout", "2"])
            #expect(down.status == 2, "\(down.summary)")
            #expect(
                down.stderr.contains("unreachable while registering subject \(prefix)")
                    && down.stderr.contains("retrying"), "\(down.stderr)")
            try expectNothingDelivered(prefix: prefix, state: state, end: range.end, "registry down")

            // Permanent refusals.
            for (mode, words) in [("409", "incompatible"), ("422", "invalid")] {
                prefix = LiveKafka.uniquePrefix("reg\(mode)")
                state = scratch.appendingPathComponent("state-\(mode)").path
                var run: ParseRun?
                let requests = try withFakeRegistry(mode: mode, auth: "-") {
                    run = try runCLI(
                        writerArguments(range, prefix: prefix, state: state, url: "http://127.0.0.1:\(fakePort)"))
                }
                let failed = try #require(run)
                #expect(failed.status == 3, "\(mode): \(failed.summary)")
                let subject = try #require(requests.first?["subject"] as? String, "\(mode): no request")
                #expect(subject.hasPrefix(prefix) && subject.hasSuffix("-key"), "\(mode): subject \(subject)")
                #expect(
                    failed.stderr.contains(words) && failed.stderr.contains("subject \(subject)")
                        && failed.stderr.contains(
                            mode == "409" ? "is incompatible with an earlier schema" : "fake refusal"),
                    "\(mode): \(failed.stderr)")
                #expect(requests.count == 1, "\(mode): a permanent refusal is not retried: \(requests.count) requests")
                try expectNothingDelivered(prefix: prefix, state: state, end: range.end, mode)
            }

            // https with a certificate the system does not trust: a TLS error at once, not retried.
            prefix = LiveKafka.uniquePrefix("regtls")
            state = scratch.appendingPathComponent("state-tls").path
            let cert = scratch.appendingPathComponent("cert.pem").path
            let key = scratch.appendingPathComponent("key.pem").path
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            openssl.arguments = [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                "-subj", "/CN=127.0.0.1",
            ]
            openssl.standardOutput = FileHandle.nullDevice
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            try #require(openssl.terminationStatus == 0, "openssl could not make a certificate")
            var untrusted: ParseRun?
            let tlsRequests = try withFakeRegistry(mode: "ok", auth: "-", tls: (cert, key)) {
                untrusted = try runCLI(
                    writerArguments(range, prefix: prefix, state: state, url: "https://127.0.0.1:\(fakePort)"))
            }
            let tlsRun = try #require(untrusted)
            #expect(
                tlsRun.status == 2 && tlsRun.stderr.contains("TLS failed") && !tlsRun.stderr.contains("retrying"),
                "\(tlsRun.summary)")
            #expect(tlsRequests.isEmpty, "\(tlsRequests)")
            try expectNothingDelivered(prefix: prefix, state: state, end: range.end, "untrusted certificate")

            // Wrong credentials: 401, the secret never printed.
            prefix = LiveKafka.uniquePrefix("reg401")
            state = scratch.appendingPathComponent("state-401").path
            var unauthorized: ParseRun?
            _ = try withFakeRegistry(mode: "ok", auth: "binlog:\(secret)") {
                unauthorized = try runCLI(
                    writerArguments(range, prefix: prefix, state: state, url: "http://127.0.0.1:\(fakePort)"),
                    environment: ["SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO": "binlog:wrong-\(secret)"])
            }
            let refused = try #require(unauthorized)
            #expect(refused.status == 3 && refused.stderr.contains("credentials"), "\(refused.summary)")
            #expect(!refused.stderr.contains(secret), "the password was printed: \(refused.stderr)")

            // 503 twice, then ids; credentials from --schema-registry-auth-file.
            prefix = LiveKafka.uniquePrefix("regok")
            state = scratch.appendingPathComponent("state-ok").path
            let authFile = scratch.appendingPathComponent("registry-auth")
            try Data("binlog:\(secret)\n".utf8).write(to: authFile)
            var succeeded: ParseRun?
            let requests = try withFakeRegistry(mode: "flaky", auth: "binlog:\(secret)") {
                succeeded = try runCLI(
                    writerArguments(range, prefix: prefix, state: state, url: "http://127.0.0.1:\(fakePort)/")
                        + ["--schema-registry-auth-file", authFile.path])
            }
            let run = try #require(succeeded)
            #expect(run.status == 0 && run.stderr.contains("HTTP 503"), "\(run.summary)")
            #expect(!run.stderr.contains(secret), "the password was printed: \(run.stderr)")
            #expect(
                requests.allSatisfy {
                    $0["authorized"] as? Bool == true
                        && $0["content_type"] as? String == "application/vnd.schemaregistry.v1+json"
                }, "\(requests)")
            var ids: [String: Int] = [:]
            for request in requests {
                if let subject = request["subject"] as? String, let id = request["id"] as? Int { ids[subject] = id }
            }
            let messages = try LiveKafka.consume(prefix: prefix, expect: 1, timeout: 30)
            var problems: [String] = []
            for message in messages {
                for (field, data) in [("key", message.key), ("value", message.value)] {
                    guard let data, data.count >= 5, data.first == 0 else {
                        problems.append("\(message.topic)@\(message.offset) \(field): not Confluent-framed")
                        continue
                    }
                    let id = data.dropFirst().prefix(4).reduce(0) { $0 << 8 | Int($1) }
                    if ids["\(message.topic)-\(field)"] != id {
                        problems.append(
                            "\(message.topic)@\(message.offset) \(field): id \(id), the registry gave "
                                + "\(ids["\(message.topic)-\(field)"].map(String.init) ?? "none") for \(message.topic)-\(field)"
                        )
                    }
                }
            }
            #expect(messages.count > 5, "\(messages.count) messages")
            expectNoProblems(problems, "schema ids in the messages")
        }
    }
}
