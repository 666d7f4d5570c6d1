import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// The Kafka sink over TLS and SASL: the suite's MariaDB → `binlog-sink run` → a Tansu of the test's own behind a TLS
// terminator (Support/LiveTLSKafka.swift, scripts/lib/tls_proxy.py) on 127.0.0.1:$BINLOG_SINK_TEST_KAFKA_TLS_PORT
// (default: the Kafka port + 1), with certificates the test makes (scripts/lib/certs.sh). Read back over TLS with
// confluent-kafka (Support/kafka_consume.py --property).
//
// - `--kafka-property security.protocol=ssl --kafka-property ssl.ca.location=CA` and the connector file's
//   `sink.kafka.properties`: every record arrives;
// - a broker certificate for another host name, and one from an untrusted CA: the run exits non-zero within seconds
//   with an error naming ssl.ca.location and the host check (librdkafka itself would retry forever);
// - SASL/SCRAM-SHA-256 over TLS (sasl_ssl) against Tansu with --authentication, the password from
//   --kafka-property-file (and from ${VAR} in a connector file): the SCRAM exchange reaches the broker, which refuses
//   the unknown user; the run exits non-zero naming SASL, and the password appears in no output. (A successful SASL
//   login cannot be shown here: Tansu 0.6.0 cannot create a user while authentication is on, lists PLAIN but does
//   not implement it, and librdkafka's mock cluster has no SASL.)

extension LiveServer {
    @Suite(
        "Live Kafka TLS: ssl to a TLS listener, refusals, SASL pass-through",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil && LiveTLSKafka.tlsPort != nil,
            "needs the suite's MariaDB and BINLOG_SINK_TEST_KAFKA_PORT (scripts/test starts them)"),
        .enabled(
            if: LiveKafka.port == nil || LiveKafka.consumerReady,
            "python3 cannot import confluent_kafka (scripts/install-deps installs it)")
    )
    struct LiveKafkaTLSTests {
        static let password = "kafka-canary-51c0de"

        let client: MariaDBClient
        let port: String
        let tlsPort: String

        init() throws {
            guard let client = MariaDBClient.fromEnvironment, let port = liveRunPort,
                let tlsPort = LiveTLSKafka.tlsPort
            else {
                throw MariaDBClient.Failure(message: "the suite's MariaDB or the Kafka port is not set")
            }
            self.client = client
            self.port = port
            self.tlsPort = tlsPort
        }

        /// Five row changes in a fresh database; the binlog range around them.
        func workload() throws -> (database: String, start: LiveBinlogPoint, end: LiveBinlogPoint) {
            let database = LiveMariaDBTests.uniqueDatabase("bls_ktls")
            let start = try LiveBinlogPoint.current(client)
            try client.run(
                """
                CREATE DATABASE \(database);
                CREATE TABLE \(database).t (id INT PRIMARY KEY, v VARCHAR(40));
                INSERT INTO \(database).t VALUES (1, 'one'), (2, 'two'), (3, 'three');
                UPDATE \(database).t SET v = 'uno' WHERE id = 1;
                DELETE FROM \(database).t WHERE id = 2;
                """)
            return (database, start, try LiveBinlogPoint.current(client))
        }

        func runArguments(
            _ range: (database: String, start: LiveBinlogPoint, end: LiveBinlogPoint), brokers: String, prefix: String
        ) -> [String] {
            [
                "run", "--source", "mysql://root@127.0.0.1:\(port)", "--start", range.start.description, "--until",
                range.end.description, "--include", "\(range.database).*", "--sink", "kafka://\(brokers)",
                "--topic", prefix + "{db}.{table}",
            ]
        }

        static func expectNoPassword(_ result: BinlogSinkCLI.Result, _ what: String) {
            #expect(!result.stderr.contains(password), "\(what): the password is in stderr")
            #expect(!result.stdoutText.contains(password), "\(what): the password is in stdout")
        }

        @Test("security.protocol=ssl with ssl.ca.location: every record arrives (command line and connector file)")
        func sslDelivery() throws {
            let certificates = try TestCertificates.makeTemporary()
            defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
            let kafka = try LiveTLSKafka(
                tlsPort: tlsPort, cert: certificates.serverCert, key: certificates.serverKey)
            defer { kafka.stop() }
            let range = try workload()
            let tls = ["security.protocol=ssl", "ssl.ca.location=\(certificates.ca)"]

            let prefix = LiveKafka.uniquePrefix("tls")
            let run = try BinlogSinkCLI.run(
                runArguments(range, brokers: kafka.brokers, prefix: prefix)
                    + tls.flatMap { ["--kafka-property", $0] }, timeout: 120)
            #expect(run.status == 0, "run: \(run.stderr)")
            let messages = try LiveKafka.consume(
                prefix: prefix, expect: 5, timeout: 40, brokers: kafka.brokers, properties: tls)
            #expect(messages.count == 5, "messages over TLS: \(messages.count)")
            let ops = messages.sorted { $0.offset < $1.offset }.compactMap { $0.headers["op"] }
            #expect(ops.sorted() == ["delete", "insert", "insert", "insert", "update"], "ops: \(ops)")

            // The connector file's keys: sink.kafka.properties.
            let filePrefix = LiveKafka.uniquePrefix("tlsfile")
            let file = certificates.directory + "/connector.yaml"
            let yaml = """
                source:
                  url: mysql://root@127.0.0.1:\(port)
                  start: \(range.start.description)
                  until: \(range.end.description)
                tables:
                  include: [\(range.database).*]
                sink:
                  url: kafka://\(kafka.brokers)
                  kafka:
                    topic: "\(filePrefix){db}.{table}"
                    properties:
                      security.protocol: ssl
                      ssl.ca.location: \(certificates.ca)
                """
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
            let fromFile = try BinlogSinkCLI.run(["run", "--config", file], timeout: 120)
            #expect(fromFile.status == 0, "run --config: \(fromFile.stderr)")
            let fileMessages = try LiveKafka.consume(
                prefix: filePrefix, expect: 5, timeout: 40, brokers: kafka.brokers, properties: tls)
            #expect(fileMessages.count == 5, "messages over TLS (connector file): \(fileMessages.count)")

        }

        @Test("a broker certificate for another host, or from an untrusted CA: the run stops at once with the fix")
        func refusals() throws {
            let certificates = try TestCertificates.makeTemporary()
            defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
            let kafka = try LiveTLSKafka(
                tlsPort: tlsPort, cert: certificates.wrongHostCert, key: certificates.wrongHostKey)
            defer { kafka.stop() }
            let range = try workload()
            let tls = ["security.protocol=ssl", "ssl.ca.location=\(certificates.ca)"].flatMap {
                ["--kafka-property", $0]
            }
            for (cert, key, what) in [
                (certificates.wrongHostCert, certificates.wrongHostKey, "wrong host"),
                (certificates.otherServerCert, certificates.otherServerKey, "untrusted CA"),
            ] {
                try kafka.startProxy(cert: cert, key: key)
                let started = Date()
                // --until never: without the start-up check the run would wait for the broker forever.
                var arguments = runArguments(range, brokers: kafka.brokers, prefix: LiveKafka.uniquePrefix("tlsno"))
                if let until = arguments.firstIndex(of: "--until") { arguments[until + 1] = "never" }
                let run = try BinlogSinkCLI.run(arguments + tls, timeout: 90)
                let seconds = Date().timeIntervalSince(started)
                #expect(run.status != 0, "\(what): run exited 0")
                #expect(seconds < 40, "\(what): the run took \(seconds) s to stop")
                #expect(
                    run.stderr.contains("kafka: the broker's TLS certificate was refused"), "\(what): \(run.stderr)")
                #expect(run.stderr.contains("ssl.ca.location must name the CA"), "\(what): \(run.stderr)")
                #expect(run.stderr.contains("certificate verify failed"), "\(what): \(run.stderr)")
            }
        }

        @Test("SASL/SCRAM over TLS: the settings reach the broker, a refused login stops the run, no password leaks")
        func saslPassThrough() throws {
            let certificates = try TestCertificates.makeTemporary()
            defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
            let kafka = try LiveTLSKafka(
                tlsPort: tlsPort, cert: certificates.serverCert, key: certificates.serverKey,
                tansuArguments: ["--authentication"])
            defer { kafka.stop() }
            let range = try workload()
            let propertyFile = certificates.directory + "/kafka.properties"
            try Data(
                """
                # SASL over TLS
                security.protocol=sasl_ssl
                ssl.ca.location=\(certificates.ca)
                sasl.mechanisms=SCRAM-SHA-256
                sasl.username=cdc
                sasl.password=\(Self.password)

                """.utf8
            ).write(to: URL(fileURLWithPath: propertyFile))
            chmod(propertyFile, 0o600)
            let run = try BinlogSinkCLI.run(
                runArguments(range, brokers: kafka.brokers, prefix: LiveKafka.uniquePrefix("sasl"))
                    + ["--kafka-property-file", propertyFile], timeout: 90)
            #expect(run.status != 0, "run exited 0 against a broker that refuses the login")
            #expect(run.stderr.contains("kafka: SASL authentication failed"), "\(run.stderr)")
            #expect(run.stderr.contains("SCRAM"), "the SCRAM exchange reached the broker: \(run.stderr)")
            #expect(!run.stderr.contains("readable by other users"), "\(run.stderr)")
            Self.expectNoPassword(run, "run --kafka-property-file")

            // A property file others can read gets a warning.
            chmod(propertyFile, 0o644)
            let readable = try BinlogSinkCLI.run(
                runArguments(range, brokers: kafka.brokers, prefix: LiveKafka.uniquePrefix("sasl"))
                    + ["--kafka-property-file", propertyFile], timeout: 90)
            #expect(readable.stderr.contains("is readable by other users"), "\(readable.stderr)")
            Self.expectNoPassword(readable, "run (readable file)")

            // The connector file: the password from ${VAR}.
            let file = certificates.directory + "/connector.yaml"
            let yaml = """
                source:
                  url: mysql://root@127.0.0.1:\(port)
                  start: \(range.start.description)
                  until: \(range.end.description)
                tables:
                  include: [\(range.database).*]
                sink:
                  url: kafka://\(kafka.brokers)
                  kafka:
                    properties:
                      security.protocol: sasl_ssl
                      ssl.ca.location: \(certificates.ca)
                      sasl.mechanisms: SCRAM-SHA-256
                      sasl.username: cdc
                      sasl.password: ${KAFKA_SASL_PASSWORD}
                """
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
            let fromFile = try BinlogSinkCLI.run(
                ["run", "--config", file], timeout: 90, environment: ["KAFKA_SASL_PASSWORD": Self.password])
            #expect(fromFile.status != 0)
            #expect(fromFile.stderr.contains("kafka: SASL authentication failed"), "\(fromFile.stderr)")
            Self.expectNoPassword(fromFile, "run --config")
            let validated = try BinlogSinkCLI.run(
                ["validate", "--config", file], timeout: 60, environment: ["KAFKA_SASL_PASSWORD": Self.password])
            Self.expectNoPassword(validated, "validate --config")
        }
    }
}
