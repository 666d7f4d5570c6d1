import Foundation
import Testing

// The source connection cut while `run` starts its stream (found by the chaos suite, scripts/chaos): a connection
// lost after the server was reached — during the settings check, the start position lookup or the dump request —
// used to end the run at once (exit 2, "cannot start the binlog stream …: Server has gone away"), although the same
// loss one event later is reconnected. Now it is retried within --reconnect-timeout. Through a FaultProxy in front
// of the shared MariaDB that cuts the first connections right after their handshake; a server that cannot be
// reached at all still fails at once.

extension LiveServer {
    @Suite(
        "Live source cut while the stream starts: retried like a loss mid-stream",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    struct LiveSourceCutTests {
        @Test("the first connections cut after their handshake: the run reconnects and delivers every change")
        func cutWhileStarting() throws {
            let client = try #require(MariaDBClient.fromEnvironment)
            let port = try #require(liveRunPort.flatMap { Int($0) })
            let proxy = try FaultProxy(upstreamPort: port)
            defer { proxy.stop() }
            let database = LiveMariaDBTests.uniqueDatabase("bls_startcut")
            try client.run(
                "CREATE DATABASE `\(database)`;\nCREATE TABLE `\(database)`.t (id INT PRIMARY KEY, v VARCHAR(20));")
            let start = try LiveBinlogPoint.current(client)
            try client.run("INSERT INTO `\(database)`.t VALUES (1, 'a'), (2, 'b'); UPDATE `\(database)`.t SET v = 'c';")

            // The greeting and the authentication answer pass; the connection is cut instead of the first query's
            // answer (the settings check), twice in a row.
            proxy.cutNext(2, afterChunks: 3)
            let result = try BinlogSinkCLI.run(
                [
                    "run", "--source", "mysql://root@127.0.0.1:\(proxy.port)", "--start", start.description,
                    "--until", "now", "--include", "\(database).*", "--reconnect-timeout", "30",
                ], timeout: 120)
            #expect(proxy.dropped >= 2, "the proxy cut \(proxy.dropped) connections")
            #expect(result.status == 0, "exit \(result.status): \(result.stderr.suffix(1500))")
            let records = try BinlogRecord.parseAll(result.stdout)
            #expect(records.map(\.op.rawValue) == ["insert", "insert", "update", "update"], "\(records.map(\.key))")

            // Nothing listening: no retry, a clear error at once.
            let closed = try FaultProxy(upstreamPort: port)
            let unused = closed.port
            closed.stop()
            let began = Date()
            let refused = try BinlogSinkCLI.run(
                [
                    "run", "--source", "mysql://root@127.0.0.1:\(unused)", "--start", start.description, "--until",
                    "now",
                ],
                timeout: 60)
            #expect(refused.status == 2, "exit \(refused.status): \(refused.stderr.suffix(800))")
            #expect(Date().timeIntervalSince(began) < 20, "an unreachable server was retried")
        }
    }
}
