import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// The chaos suite (issue 6; scripts/chaos runs it, docs/reliability.md has the figures). Off unless
// BINLOG_SINK_CHAOS_TRIALS is set. Services of its own, on the ports scripts/test uses for tests that restart their
// servers: a MariaDB on $BINLOG_SINK_TEST_MYSQL_PORT2, a Tansu broker on $BINLOG_SINK_TEST_KAFKA_PORT (its data in a
// local S3 server on $BINLOG_SINK_TEST_S3_PORT, so that it survives a broker restart), a redis-server on
// $BINLOG_SINK_TEST_REDIS_PORT, each behind a FaultProxy (kernel-chosen ports) that binlog-sink connects through.
//
// Per sink (file, Kafka, Redis stream, Redis hash): a write workload runs on MariaDB without pause while
// `run --until never --state` is started TRIALS times; each trial injects one fault (cut, stall or slow the source
// connection, restart MariaDB, cut/stall/slow the sink connection, freeze the broker with SIGSTOP bursts, restart
// the Kafka broker or Redis) and SIGKILLs binlog-sink at a random moment, during the fault or after it. Then a last `--until now` run
// and the verification against the source: the offline `parse` of the binlogs the run covered lists every
// committed row change, and each must be in the sink at least once (rows lost: 0); the de-duplicated records,
// replayed in binlog order, must equal the server's SELECT (hash mode: the hashes must); duplicates are counted
// and attributed (re-delivered after a restart from at/after the checkpoint the restart resumed from, re-sent
// within one run, or — a bug — from before the checkpoint).
//
// The file and directory faults (full and read-only filesystem) and the purged binlog are tests of their own below.

enum ChaosSettings {
    static let environment = ProcessInfo.processInfo.environment
    static let trials: Int? = environment["BINLOG_SINK_CHAOS_TRIALS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    static let mysqlPort = environment["BINLOG_SINK_TEST_MYSQL_PORT2"].flatMap { Int($0) }
    static let kafkaPort = environment["BINLOG_SINK_TEST_KAFKA_PORT"].flatMap { Int($0) }
    static let redisPort = environment["BINLOG_SINK_TEST_REDIS_PORT"].flatMap { Int($0) }
    static let s3Port = environment["BINLOG_SINK_TEST_S3_PORT"].flatMap { Int($0) }
    /// A file the suite appends one summary line per scenario to (scripts/chaos prints it).
    static let report = environment["BINLOG_SINK_CHAOS_REPORT"].flatMap { $0.isEmpty ? nil : $0 }
    static let enabled = trials != nil && mysqlPort != nil

    static func record(_ line: String) {
        print("chaos: \(line)")
        guard let report else { return }
        let data = Data((line + "\n").utf8)
        if let handle = FileHandle(forWritingAtPath: report) {
            handle.seekToEndOfFile()
            handle.write(data)
            try? handle.closeFile()
        } else {
            FileManager.default.createFile(atPath: report, contents: data)
        }
    }
}

@Suite(
    "Chaos: faults injected during a continuous workload; every committed change arrives, the sink equals SELECT",
    .serialized,
    .enabled(if: ChaosSettings.enabled, "set BINLOG_SINK_CHAOS_TRIALS (scripts/chaos) and BINLOG_SINK_TEST_MYSQL_PORT2")
)
struct LiveChaosTests {
    enum SinkKind: String, CaseIterable, CustomStringConvertible {
        case file, kafka, redisStream = "redis-stream", redisHash = "redis-hash"
        var description: String { rawValue }
    }

    enum Fault: String, CaseIterable {
        case none = "kill -9 only"
        case sourceDrop = "source connection cut"
        case sourceStall = "source connection stalled"
        case sourceSlow = "source connection slowed"
        case mariadbRestart = "MariaDB restarted"
        case sinkDrop = "sink connections cut"
        case sinkStall = "sink connections stalled"
        case sinkSlow = "sink connections slowed"
        case sinkFreeze = "sink server frozen (SIGSTOP bursts)"
        case redisRestart = "Redis stopped and restarted"
        case kafkaRestart = "Kafka broker stopped and restarted"

        static func applicable(to sink: SinkKind) -> [Fault] {
            let source: [Fault] = [.none, .sourceDrop, .sourceStall, .sourceSlow, .mariadbRestart]
            switch sink {
            case .file: return source
            case .kafka: return source + [.sinkDrop, .sinkStall, .sinkSlow, .sinkFreeze, .kafkaRestart]
            case .redisStream, .redisHash:
                return source + [.sinkDrop, .sinkStall, .sinkSlow, .sinkFreeze, .redisRestart]
            }
        }
    }

    static let table = LiveServer.LiveRestartTests.table

    /// The services of one scenario: MariaDB behind a proxy, and the sink's server behind another.
    final class Services {
        let mariadb: LiveThrowawayServer
        let sourceProxy: FaultProxy
        var tansu: LiveTansuServer?
        var redis: LiveRedisServer?
        var sinkProxy: FaultProxy?
        let scratch: URL

        init(sink: SinkKind) throws {
            let port = try #require(ChaosSettings.mysqlPort)
            mariadb = try LiveThrowawayServer(port: String(port))
            sourceProxy = try FaultProxy(upstreamPort: port)
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "bls-chaos-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            switch sink {
            case .file: break
            case .kafka:
                let kafkaPort = try #require(ChaosSettings.kafkaPort, "BINLOG_SINK_TEST_KAFKA_PORT is not set")
                let s3Port = try #require(
                    ChaosSettings.s3Port, "BINLOG_SINK_TEST_S3_PORT is not set (the broker's storage)")
                let proxy = try FaultProxy(upstreamPort: kafkaPort)
                sinkProxy = proxy
                tansu = try LiveTansuServer(port: kafkaPort, advertisedPort: proxy.port, s3Port: s3Port)
            case .redisStream, .redisHash:
                let redisPort = try #require(ChaosSettings.redisPort, "BINLOG_SINK_TEST_REDIS_PORT is not set")
                redis = try LiveRedisServer(port: redisPort)
                sinkProxy = try FaultProxy(upstreamPort: redisPort)
            }
        }

        deinit {
            sourceProxy.stop()
            sinkProxy?.stop()
            tansu?.remove()
            try? redis?.stop()
            mariadb.remove()
            try? FileManager.default.removeItem(at: scratch)
        }

        var source: String { "mysql://root@127.0.0.1:\(sourceProxy.port)" }

        /// The sink server's process (Tansu or redis-server), to freeze with SIGSTOP.
        var sinkPID: pid_t? { tansu?.pid ?? redis?.pid }
    }

    /// Sleeps a random time in seconds drawn from `range`.
    static func pause(_ range: ClosedRange<Double>, _ generator: inout SystemRandomNumberGenerator) {
        usleep(useconds_t(Double.random(in: range, using: &generator) * 1e6))
    }

    /// Starts fault `fault`; returns the action that ends it.
    static func begin(_ fault: Fault, _ services: Services) throws -> () throws -> Void {
        switch fault {
        case .none: return {}
        case .sourceDrop:
            services.sourceProxy.dropAll()
            return {}
        case .sourceStall:
            services.sourceProxy.stalled = true
            return { services.sourceProxy.heal() }
        case .sourceSlow:
            services.sourceProxy.chunkLimit = 512
            services.sourceProxy.delay = 0.02
            return { services.sourceProxy.heal() }
        case .mariadbRestart:
            try services.mariadb.stop()
            return { try services.mariadb.restart() }
        case .sinkDrop:
            services.sinkProxy?.dropAll()
            return {}
        case .sinkStall:
            services.sinkProxy?.stalled = true
            return { services.sinkProxy?.heal() }
        case .sinkSlow:
            services.sinkProxy?.chunkLimit = 256
            services.sinkProxy?.delay = 0.02
            return { services.sinkProxy?.heal() }
        case .sinkFreeze:
            // Bursts: frozen 0.3–0.8 s, running 0.1–0.3 s, on a thread of its own until ended.
            guard let pid = services.sinkPID else { return {} }
            let stop = ChaosFlag()
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                var generator = SystemRandomNumberGenerator()
                while !stop.isSet {
                    kill(pid, SIGSTOP)
                    pause(0.3...0.8, &generator)
                    kill(pid, SIGCONT)
                    pause(0.1...0.3, &generator)
                }
                done.signal()
            }
            return {
                stop.set()
                done.wait()
                kill(pid, SIGCONT)
            }
        case .redisRestart:
            try services.redis?.stop()
            return { try services.redis?.start() }
        case .kafkaRestart:
            try services.tansu?.stop()
            return { try services.tansu?.start() }
        }
    }

    /// What one trial left: the saved checkpoint after the kill, and how long each stream was (append-ordered sinks).
    struct TrialEnd {
        var fault: Fault
        var killedDuringFault: Bool
        var saved: LiveSavedPosition?
        var lengths: [String: Int]
    }

    /// Records per stream, in the order the sink holds them (file: lines of a stream; Redis: stream entries; Kafka:
    /// a partition's messages).
    typealias Streams = [String: [BinlogRecord]]

    /// What the sink holds now.
    static func readBack(
        _ sink: SinkKind, services: Services, output: URL, prefix: String, database: String, expect: Int = 0
    ) throws -> (streams: Streams, problems: [String]) {
        switch sink {
        case .file:
            guard FileManager.default.fileExists(atPath: output.path) else { return ([:], []) }
            let files = try LiveFileSinkOutput(output, layout: .perTable)
            var streams: Streams = [:]
            var problems = files.problems
            for (name, lines) in files.streams {
                let (records, bad) = files.records(lines)
                streams[name] = records
                problems += bad
            }
            return (streams, problems)
        case .redisStream:
            let redis = try LiveRedisClient(port: try #require(ChaosSettings.redisPort))
            let (found, problems) = try LiveRedisContent.streams(redis, prefix: prefix, database: database)
            return (found.mapValues { $0.map(\.record) }, problems)
        case .kafka:
            // Each partition in offset order (what a consumer reads); the topics of a database are named by prefix.
            let messages = try LiveKafka.consume(prefix: prefix + ".", expect: expect, timeout: 30)
            var streams: Streams = [:]
            for message in messages.sorted(by: {
                ($0.topic, $0.partition, $0.offset) < ($1.topic, $1.partition, $1.offset)
            }) {
                streams["\(message.topic)/\(message.partition)", default: []].append(try message.record())
            }
            return (streams, [])
        case .redisHash:
            return ([:], [])
        }
    }

    /// Stream lengths once they stop changing (a killed process's last writes may still be on their way).
    /// (A torn last line the kill left in a file is not a record: it is not counted, and the next run drops it.)
    static func settledLengths(_ sink: SinkKind, services: Services, output: URL, prefix: String, database: String)
        throws -> [String: Int]
    {
        guard sink != .redisHash else { return [:] }
        var previous: [String: Int]? = nil
        let deadline = Date().addingTimeInterval(20)
        while true {
            let expect = previous?.values.reduce(0, +) ?? 0
            let now: [String: Int]
            switch sink {
            case .file: now = lineCounts(output)
            case .redisStream:
                let redis = try LiveRedisClient(port: try #require(ChaosSettings.redisPort))
                var lengths: [String: Int] = [:]
                for key in try redis.keys(matching: "\(prefix):\(database):*", type: "stream") {
                    lengths[key] = try redis.command(["XLEN", key]).integer ?? 0
                }
                now = lengths
            default:
                now = try readBack(
                    sink, services: services, output: output, prefix: prefix, database: database, expect: expect
                ).streams.mapValues(\.count)
            }
            if now == previous || Date() > deadline { return now }
            previous = now
            usleep(150_000)
        }
    }

    /// Complete lines per stream of a file sink's directory (`db.table.jsonl` and `db.table.NNNNNN.jsonl`): the
    /// records LiveFileSinkOutput reads, without parsing them.
    static func lineCounts(_ directory: URL) -> [String: Int] {
        var counts: [String: Int] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasSuffix(".jsonl") {
            let stream = name.split(separator: ".").prefix(2).joined(separator: ".")
            let data = (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
            counts[stream, default: 0] += data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        }
        return counts
    }

    /// The sinks to run (`BINLOG_SINK_CHAOS_SINKS`, comma-separated; default all).
    static let selectedSinks: Set<String>? = ChaosSettings.environment["BINLOG_SINK_CHAOS_SINKS"].flatMap {
        $0.isEmpty ? nil : Set($0.split(separator: ",").map(String.init))
    }

    @Test("chaos per sink", arguments: SinkKind.allCases)
    func chaos(sink: SinkKind) throws {
        let trials = try #require(ChaosSettings.trials)
        if let selected = Self.selectedSinks, !selected.contains(sink.rawValue) { return }
        let began = Date()
        let services = try Services(sink: sink)
        let client = services.mariadb.client
        let database = "bls_chaos_\(sink.rawValue.replacingOccurrences(of: "-", with: "_"))"
        try client.run("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n" + Self.table.create(in: database))
        let start = try LiveBinlogPoint.current(client)
        let prefix = "chaos\(UUID().uuidString.prefix(6).lowercased())"
        let output = services.scratch.appendingPathComponent("out")
        let state = services.scratch.appendingPathComponent("state").path
        let sinkURL: String
        var extra: [String] = []
        switch sink {
        case .file: sinkURL = "file:\(output.path)"
        case .kafka:
            sinkURL = "kafka://127.0.0.1:\(try #require(services.sinkProxy).port)"
            extra = ["--topic", prefix + ".{db}.{table}"]
        case .redisStream, .redisHash:
            let mode = sink == .redisHash ? "hash" : "stream"
            sinkURL = "redis://127.0.0.1:\(try #require(services.sinkProxy).port)/0?mode=\(mode)&prefix=\(prefix)"
        }
        let arguments =
            [
                "run", "--source", services.source, "--start", start.description, "--state", state, "--sink", sinkURL,
                "--include", "\(database).*", "--checkpoint-interval", "0.2", "--heartbeat", "1",
                "--reconnect-timeout", "120",
            ] + extra

        let workload = LiveLoopWorkload(client: client, pause: 10_000) {
            LiveServer.LiveRestartTests.batchSQL(database: database, batch: $0)
        }
        var workloadStopped = false
        defer { if !workloadStopped { workload.stop() } }

        var generator = SystemRandomNumberGenerator()
        let faults = Fault.applicable(to: sink)
        var order: [Fault] = []
        while order.count < trials { order += faults.shuffled(using: &generator) }
        var ends: [TrialEnd] = []
        var earlyExits: [String] = []
        var kills = 0
        for (index, fault) in order.prefix(trials).enumerated() {
            let run = try LiveBackgroundRun(arguments + ["--until", "never"])
            Self.pause(0.4...1.2, &generator)
            let during = index % 2 == 1 && fault != .none
            let end = try Self.begin(fault, services)
            var endError: Error?
            if during {
                Self.pause(0.2...1.5, &generator)
                if run.process.isRunning {
                    run.stop(SIGKILL)
                    kills += 1
                } else {
                    earlyExits.append("trial \(index + 1) (\(fault.rawValue)): \(run.summary)")
                }
                Self.pause(0.2...1.0, &generator)
                do { try end() } catch { endError = error }
            } else {
                Self.pause(0.5...2.0, &generator)
                do { try end() } catch { endError = error }
                Self.pause(0.3...1.5, &generator)
                if run.process.isRunning {
                    run.stop(SIGKILL)
                    kills += 1
                } else {
                    earlyExits.append("trial \(index + 1) (\(fault.rawValue)): \(run.summary)")
                }
            }
            if let endError { throw endError }
            let lengths = try Self.settledLengths(
                sink, services: services, output: output, prefix: prefix, database: database)
            ends.append(
                TrialEnd(
                    fault: fault, killedDuringFault: during, saved: try LiveSavedPosition.show(state: state),
                    lengths: lengths))
        }
        // A little more after the last kill, then the end.
        usleep(500_000)
        workload.stop()
        workloadStopped = true
        expectNoProblems(earlyExits, "runs that exited by themselves before their kill")
        let final = try BinlogSinkCLI.run(arguments + ["--until", "now"], timeout: 300)
        #expect(final.status == 0, "the last run: \(final.stderr.suffix(2000))")

        // The reference: every row change committed since `start`, from the binlogs themselves.
        let files = try client.closedBinlogs(since: start.file)
        let parsed = try BinlogSinkCLI.run(
            ["parse"] + files + ["--start-position", "\(start.pos)", "--include", "\(database).*"], timeout: 300)
        try #require(parsed.status == 0, "parse: \(parsed.stderr.prefix(1000))")
        let expected = try BinlogRecord.parseAll(parsed.stdout)
        let serverRows = try client.select(
            Self.table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.t")
        #expect(expected.count > 100, "a small workload: \(expected.count) records")

        var verification = ChaosVerification(expected: expected)
        var problems: [String] = []
        switch sink {
        case .file, .redisStream:
            let (streams, found) = try Self.readBack(
                sink, services: services, output: output, prefix: prefix, database: database)
            problems += found
            verification.addStreams(streams, ends: ends)
        case .kafka:
            let (streams, _) = try Self.readBack(
                sink, services: services, output: output, prefix: prefix, database: database, expect: expected.count)
            verification.addStreams(streams, ends: ends)
        case .redisHash:
            let redis = try LiveRedisClient(port: try #require(ChaosSettings.redisPort))
            let (hashRows, found) = try LiveRedisContent.hashes(redis, prefix: prefix, database: database)
            problems += found
            problems += LiveComparison.compare(Self.table, replayed: hashRows.map(\.row), serverRows: serverRows)
            let position = try LiveRedisContent.position(redis, prefix: prefix)
            let saved = try LiveSavedPosition.show(state: state)
            if position?.point != saved?.position {
                problems.append(
                    "\(prefix):position \(position.map { "\($0.point)" } ?? "none"), saved \(saved.map(\.description) ?? "none")"
                )
            }
            verification.hashRows = hashRows.count
        }
        expectNoProblems(problems, "\(sink): sink content")
        expectNoProblems(verification.problems, "\(sink): verification")
        if sink != .redisHash {
            let (rows, anomalies) = ChaosVerification.materialize(verification.delivered)
            expectNoProblems(anomalies, "\(sink): replaying the de-duplicated records")
            expectNoProblems(
                LiveComparison.compare(Self.table, replayed: rows, serverRows: serverRows), "\(sink): replay vs SELECT")
        }
        var survived: [String: Int] = [:]
        for end in ends { survived[end.fault.rawValue, default: 0] += 1 }
        let seconds = Int(Date().timeIntervalSince(began))
        ChaosSettings.record(
            "sink=\(sink) trials=\(ends.count) kills=\(kills) early_exits=\(earlyExits.count) "
                + "transactions=\(workload.committed) failed_transactions=\(workload.failed) "
                + "changes_verified=\(expected.count) rows_compared=\(serverRows.count) "
                + "lost=\(verification.missing.count) unexpected=\(verification.unexpected.count) "
                + "\(verification.duplicateSummary) seconds=\(seconds) "
                + "faults=\(survived.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))"
        )
    }
}

/// A flag one thread sets and another polls.
final class ChaosFlag: @unchecked Sendable {  // `value` is guarded by `lock`
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
